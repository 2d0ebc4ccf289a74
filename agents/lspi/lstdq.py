"""LSTD-Q and LSPI as map-reduce (Lagoudakis & Parr 2003; Li & Schuurmans
2011), NumPy only.

LSTD-Q evaluates a policy pi from samples (s_i, a_i, r_i, s'_i) with
features phi: it solves A w = b with

  A = sum_i phi(s_i, a_i) (phi(s_i, a_i) - gamma phi(s'_i, pi(s'_i)))^T
  b = sum_i phi(s_i, a_i) r_i

Both are sums over samples, so K shards give K partial sums (A_k, b_k) that
add up to the whole: the map step. LSPI alternates LSTD-Q with the greedy
policy pi(s) = argmax_a phi(s, a)^T w of the weights found.

  mapper (holds one Shard; stateless across iterations otherwise):
    A_k, b_k = lstdq.shard_statistics(shard, weights, config.discount)
  reducer:
    A, b = lstdq.sum_statistics([(A_1, b_1), ..., (A_K, b_K)])
    new_weights = lstdq.solve(A, b, config.regularisation)
    policy = lstdq.greedy_actions(new_weights, probe_features_per_action)
    reason = lstdq.stop_reason(weights, new_weights, previous_policy,
                               policy, config.weight_tolerance)

`lspi` runs that loop in one process: the reference a program must match.
"""

from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np

from agents.common import splits
from agents.lspi import config as config_lib

# Why `lspi` stopped.
STOP_POLICY = 'policy'  # The greedy policy on the probe states held.
STOP_WEIGHTS = 'weights'  # ||w_new - w||_2 < weight_tolerance.
STOP_MAX_ITERATIONS = 'max_iterations'


class Shard(NamedTuple):
  """A mapper's samples, as features (computed once, reused every
  iteration: only pi(s'), hence the chosen next features, changes)."""
  features: np.ndarray  # phi(s, a), [N, F]
  rewards: np.ndarray  # r, [N]
  next_features_per_action: np.ndarray  # phi(s', a') for every a', [N, A, F]


def make_shard(transitions: dict,
               features_per_action: Callable[[np.ndarray], np.ndarray]
               ) -> Shard:
  """A Shard from transitions (as `chain_walk.sample_transitions` returns).

  Args:
    transitions: 'states' [N], 'actions' [N], 'rewards' [N],
      'next_states' [N].
    features_per_action: states [N] -> phi(s, a) for every a, [N, A, F].

  Returns:
    The Shard, float64.
  """
  states = np.asarray(transitions['states'])
  per_action = features_per_action(states)  # [N, A, F]
  return Shard(
      features=per_action[np.arange(len(states)),
                          np.asarray(transitions['actions'])],
      rewards=np.asarray(transitions['rewards'], np.float64),
      next_features_per_action=features_per_action(
          np.asarray(transitions['next_states'])))


def shard_ranges(num_samples: int, num_shards: int) -> List[Tuple[int, int]]:
  """[start, stop) of each of K shards of N samples; sizes differ by <= 1.

  Raises:
    ValueError: num_shards < 1 or num_samples < num_shards (a shard would
      be empty).
  """
  return splits.even_ranges(num_samples, num_shards, 'shards')


def greedy_actions(weights: np.ndarray,
                   state_features_per_action: np.ndarray) -> np.ndarray:
  """pi(s) = argmax_a phi(s, a)^T w, ties to the lowest action.

  Args:
    weights: w, [F].
    state_features_per_action: phi(s, a) for every a, [N, A, F].

  Returns:
    int64 [N].
  """
  q = state_features_per_action @ weights  # [N, A]
  return np.argmax(q, axis=1)


def partial_statistics(features: np.ndarray,
                       next_features_under_policy: np.ndarray,
                       rewards: np.ndarray,
                       discount: float) -> Tuple[np.ndarray, np.ndarray]:
  """One shard's LSTD-Q sums (A_k, b_k); shards' sums add up to the whole.

  Args:
    features: phi(s_i, a_i), [N, F].
    next_features_under_policy: phi(s'_i, pi(s'_i)), [N, F].
    rewards: r_i, [N].
    discount: gamma, a float, or [N] per sample (0 where s'_i is absorbing).

  Returns:
    A_k = sum_i phi_i (phi_i - gamma phi'_i)^T, float64 [F, F], and
    b_k = sum_i phi_i r_i, float64 [F].
  """
  phi = np.asarray(features, np.float64)
  discount = np.asarray(discount, np.float64)
  if discount.ndim:
    discount = discount[:, None]  # [N, 1] against [N, F]
  td_features = phi - discount * next_features_under_policy  # [N, F]
  return phi.T @ td_features, phi.T @ np.asarray(rewards, np.float64)


def shard_statistics(shard: Shard, weights: np.ndarray,
                     discount: float) -> Tuple[np.ndarray, np.ndarray]:
  """The map step: (A_k [F, F], b_k [F]) of a shard under pi = greedy(w).
  """
  next_actions = greedy_actions(weights, shard.next_features_per_action)
  next_features = shard.next_features_per_action[
      np.arange(len(next_actions)), next_actions]  # [N, F]
  return partial_statistics(shard.features, next_features, shard.rewards,
                            discount)


def sum_statistics(statistics: Sequence[Tuple[np.ndarray, np.ndarray]]
                   ) -> Tuple[np.ndarray, np.ndarray]:
  """The reduce step: (sum_k A_k, sum_k b_k). Any order gives the same sums
  up to float rounding (tested)."""
  if not statistics:
    raise ValueError('sum_statistics needs the statistics of >= 1 shard.')
  a = np.zeros_like(statistics[0][0], np.float64)
  b = np.zeros_like(statistics[0][1], np.float64)
  for a_k, b_k in statistics:
    a += a_k
    b += b_k
  return a, b


def solve(a: np.ndarray, b: np.ndarray, regularisation: float) -> np.ndarray:
  """w with (A + delta I) w = b, [F]; A is not symmetric (LSTD's fixed
  point, not a least-squares normal equation), so a general solve."""
  return np.linalg.solve(a + regularisation * np.eye(len(a)), b)


def stop_reason(weights: np.ndarray, new_weights: np.ndarray,
                policy: np.ndarray, new_policy: np.ndarray,
                weight_tolerance: float) -> Optional[str]:
  """STOP_POLICY, STOP_WEIGHTS, or None to go on.

  The policy is compared on the reducer's probe states. If those include
  every next state of the samples (the chain walk's do), an unchanged
  policy means the next A, b and w are the ones just computed: a fixed
  point.
  """
  if np.array_equal(policy, new_policy):
    return STOP_POLICY
  if np.linalg.norm(new_weights - weights) < weight_tolerance:
    return STOP_WEIGHTS
  return None


class LSPIResult(NamedTuple):
  weights: np.ndarray  # The last w, [F].
  # policies[i]: greedy actions on the probe states of the weights after i
  # solves (policies[0]: of the initial weights), each int64 [M].
  policies: List[np.ndarray]
  iterations: int  # Solves done (map-reduce rounds).
  stop: str  # STOP_POLICY, STOP_WEIGHTS or STOP_MAX_ITERATIONS.


def lspi(shards: Sequence[Shard], config: config_lib.LSPIConfig,
         probe_features_per_action: np.ndarray,
         initial_weights: Optional[np.ndarray] = None) -> LSPIResult:
  """LSPI in one process, shard by shard: what mappers and reducer compute.

  Args:
    shards: the K shards.
    config: discount, regularisation, max_iterations, weight_tolerance.
    probe_features_per_action: phi(s, a) of the states whose greedy action
      decides "policy unchanged", [M, A, F] (the chain walk: every state).
    initial_weights: w_0, [F]; default 0, whose greedy policy is action 0
      everywhere (the tie rule).

  Returns:
    LSPIResult (`iterate`).
  """
  return iterate(
      lambda weights: [shard_statistics(shard, weights, config.discount)
                       for shard in shards],
      config, probe_features_per_action, initial_weights)


# on_round(iteration, statistics, weights, new_weights, policy, new_policy)
RoundCallback = Callable[[int, Sequence[Tuple[np.ndarray, np.ndarray]],
                          np.ndarray, np.ndarray, np.ndarray, np.ndarray],
                         None]


def iterate(statistics_fn: Callable[
    [np.ndarray], Sequence[Tuple[np.ndarray, np.ndarray]]],
            config: config_lib.LSPIConfig,
            probe_features_per_action: np.ndarray,
            initial_weights: Optional[np.ndarray] = None,
            on_round: Optional[RoundCallback] = None) -> LSPIResult:
  """The reducer's loop over any map step: in one process (`lspi`) or over
  mapper nodes (programs/nodes/map_reduce.py).

  Args:
    statistics_fn: w [F] -> every shard's (A_k, b_k) under greedy(w).
    config: regularisation, max_iterations, weight_tolerance.
    probe_features_per_action: phi(s, a) of the probe states, [M, A, F].
    initial_weights: w_0, [F]; default 0, whose greedy policy is action 0
      everywhere (the tie rule).
    on_round: called after each round (RoundCallback's arguments).

  Returns:
    LSPIResult.

  Raises:
    ValueError: no probe states (every policy would look unchanged).
  """
  if np.shape(probe_features_per_action)[0] == 0:
    raise ValueError('probe_features_per_action holds no states: the '
                     'policy would never change and LSPI stop after one '
                     'iteration.')
  num_features = np.shape(probe_features_per_action)[-1]
  weights = (np.zeros(num_features) if initial_weights is None
             else np.asarray(initial_weights, np.float64))
  policies = [greedy_actions(weights, probe_features_per_action)]
  for iteration in range(1, config.max_iterations + 1):
    statistics = statistics_fn(weights)
    a, b = sum_statistics(statistics)
    new_weights = solve(a, b, config.regularisation)
    policies.append(greedy_actions(new_weights, probe_features_per_action))
    reason = stop_reason(weights, new_weights, policies[-2], policies[-1],
                         config.weight_tolerance)
    if on_round is not None:
      on_round(iteration, statistics, weights, new_weights, policies[-2],
               policies[-1])
    weights = new_weights
    if reason is not None:
      return LSPIResult(weights, policies, iteration, reason)
  return LSPIResult(weights, policies, config.max_iterations,
                    STOP_MAX_ITERATIONS)
