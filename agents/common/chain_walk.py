"""The chain walk of Lagoudakis & Parr (2003, "Least-Squares Policy
Iteration", JMLR 4, section 9.1): a small MDP with a known optimal policy,
for LSPI and other linear-function-approximation methods: a model (P, R),
a seeded sampler of transitions and the polynomial features (NumPy), and
the task as a dm_env.Environment for programs that learn from episodes.

  states    0 .. num_states - 1 (the paper's 1 .. 20, shifted by one)
  actions   LEFT = 0, RIGHT = 1
  dynamics  the intended move happens with probability 0.9, the opposite
            move with 0.1; moving off either end stays put
  reward    R(s) = +1 in the end states (paper: states 1 and 20), 0 elsewhere,
            received in the state the action is taken from (the paper gives
            "a reward vector over states"; ports of the authors' Matlab
            chain simulator pay rew(state) before moving). So
            Q(s, a) = R(s) + gamma sum_s' P[a, s, s'] V(s').
  discount  0.9 (the paper's)

With 20 states the optimal policy is LEFT in states 0-9 and RIGHT in 10-19
(`OPTIMAL_POLICY_20`; tests check it against `optimal_policy`, computed from
the model by value iteration).

  transitions = chain_walk.sample_transitions(5_000, seed=0)
  phi = chain_walk.features(transitions['states'], transitions['actions'])
"""

from typing import Dict, Tuple

import dm_env
from dm_env import specs
import numpy as np

NUM_STATES = 20
SUCCESS_PROBABILITY = 0.9
DISCOUNT = 0.9
LEFT, RIGHT = 0, 1
NUM_ACTIONS = 2
# The paper's basis: polynomials of degree 4 of the state, one block of
# (1, x, x^2, x^3, x^4) per action.
POLYNOMIAL_DEGREE = 4
# LEFT in the 10 states nearest the left end, RIGHT in the other 10.
OPTIMAL_POLICY_20 = (LEFT,) * 10 + (RIGHT,) * 10

# Steps per episode of `ChainWalkEnvironment` (truncation): the chain has
# no terminal state; LSPI itself uses no episodes.
TIME_LIMIT = 100

# Samples are drawn in blocks of this many, block j from the seed
# sequence (seed, j): sample i is the same whatever the shard that draws it,
# so N samples split over K shards are one sample set for every K.
_SAMPLE_BLOCK = 4096


def transition_matrices(num_states: int = NUM_STATES,
                        success_probability: float = SUCCESS_PROBABILITY
                        ) -> np.ndarray:
  """P[a, s, s'] = Pr(s' | s, a), float64 [NUM_ACTIONS, S, S]; rows sum to 1.
  """
  states = np.arange(num_states)
  left = np.maximum(states - 1, 0)
  right = np.minimum(states + 1, num_states - 1)
  p = np.zeros((NUM_ACTIONS, num_states, num_states))
  # Accumulate rather than assign: with num_states = 1 both moves land in
  # the same state, and the row must still sum to 1.
  np.add.at(p[LEFT], (states, left), success_probability)
  np.add.at(p[LEFT], (states, right), 1.0 - success_probability)
  np.add.at(p[RIGHT], (states, right), success_probability)
  np.add.at(p[RIGHT], (states, left), 1.0 - success_probability)
  return p


def rewards(num_states: int = NUM_STATES) -> np.ndarray:
  """R(s), float64 [S]: +1 in the two end states, 0 elsewhere."""
  r = np.zeros(num_states)
  r[[0, num_states - 1]] = 1.0
  return r


def sample_transitions(num_samples: int, seed: int, *, first_sample: int = 0,
                       num_states: int = NUM_STATES,
                       success_probability: float = SUCCESS_PROBABILITY
                       ) -> Dict[str, np.ndarray]:
  """Samples first_sample .. first_sample + num_samples - 1 of a seeded set.

  Each sample draws a state and an action uniformly at random and steps the
  chain once. Lagoudakis & Parr collect samples from episodes of a uniformly
  random policy started in random states; uniform (s, a) draws cover the
  chain as evenly (a random walk's stationary distribution on the chain is
  near-uniform) without episode boundaries, and any slice of the sample
  set can be drawn alone, which is what a mapper does for its shard.

  Args:
    num_samples: N, samples to return.
    seed: the sample set's seed (an LSPI run's `config.seed`).
    first_sample: index of the first sample to return; shard k of a split
      draws its range [start_k, stop_k) with first_sample=start_k.
    num_states: chain length S.
    success_probability: probability of the intended move.

  Returns:
    dict of 'states' int64 [N], 'actions' int64 [N], 'rewards' float64 [N],
    'next_states' int64 [N].
  """
  if num_samples < 0 or first_sample < 0:
    raise ValueError(f'num_samples={num_samples} and first_sample='
                     f'{first_sample} must be >= 0.')
  stop = first_sample + num_samples
  blocks = []
  for j in range(first_sample // _SAMPLE_BLOCK,
                 -(-stop // _SAMPLE_BLOCK) if num_samples else 0):
    rng = np.random.default_rng([seed, j])
    blocks.append((rng.integers(0, num_states, _SAMPLE_BLOCK),
                   rng.integers(0, NUM_ACTIONS, _SAMPLE_BLOCK),
                   rng.random(_SAMPLE_BLOCK)))
  if blocks:
    offset = first_sample - (first_sample // _SAMPLE_BLOCK) * _SAMPLE_BLOCK
    states, actions, uniforms = (
        np.concatenate(parts)[offset:offset + num_samples]
        for parts in zip(*blocks))
  else:
    states = actions = np.zeros(0, np.int64)
    uniforms = np.zeros(0)
  intended = np.where(actions == RIGHT, 1, -1)
  moves = np.where(uniforms < success_probability, intended, -intended)
  return {
      'states': states,
      'actions': actions,
      'rewards': rewards(num_states)[states],
      'next_states': np.clip(states + moves, 0, num_states - 1),
  }


def scaled_states(states: np.ndarray,
                  num_states: int = NUM_STATES) -> np.ndarray:
  """x = 2 s / (S - 1) - 1 in [-1, 1], float64, same shape as `states`.

  The paper's basis uses the raw state index (up to 20^4 = 160,000 next to
  a constant 1): A's condition number then passes 1e10. On [-1, 1] all
  powers stay in [-1, 1]. The span, hence LSTD-Q's solution, is the same.
  """
  return 2.0 * np.asarray(states, np.float64) / max(num_states - 1, 1) - 1.0


def features_per_action(states: np.ndarray, num_states: int = NUM_STATES,
                        degree: int = POLYNOMIAL_DEGREE) -> np.ndarray:
  """phi(s, a) for every action, float64 [N, NUM_ACTIONS, F].

  F = NUM_ACTIONS * (degree + 1): action a's block holds (1, x, ..., x^d)
  of the scaled state x, the other blocks are 0 (the paper's layout).
  """
  powers = scaled_states(states, num_states)[:, None] ** np.arange(
      degree + 1)  # [N, d + 1]
  n, block = powers.shape
  phi = np.zeros((n, NUM_ACTIONS, NUM_ACTIONS * block))
  for a in range(NUM_ACTIONS):
    phi[:, a, a * block:(a + 1) * block] = powers
  return phi


def features(states: np.ndarray, actions: np.ndarray,
             num_states: int = NUM_STATES,
             degree: int = POLYNOMIAL_DEGREE) -> np.ndarray:
  """phi(s, a), float64 [N, F] for states [N] and actions [N]."""
  per_action = features_per_action(states, num_states, degree)
  return per_action[np.arange(len(per_action)), np.asarray(actions)]


def optimal_values(discount: float = DISCOUNT,
                   num_states: int = NUM_STATES,
                   success_probability: float = SUCCESS_PROBABILITY,
                   tolerance: float = 1e-12) -> Tuple[np.ndarray, np.ndarray]:
  """Q* [NUM_ACTIONS, S] and V* [S] by value iteration on the model.

  Stops when a sweep changes V by less than tolerance (1 - gamma) / gamma
  in sup-norm, so that |V - V*| < tolerance.
  """
  p = transition_matrices(num_states, success_probability)
  r = rewards(num_states)
  v = np.zeros(num_states)
  threshold = tolerance * (1.0 - discount) / discount
  while True:
    q = r[None, :] + discount * p @ v  # [A, S]
    v_new = q.max(axis=0)
    if np.max(np.abs(v_new - v)) < threshold:
      return q, v_new
    v = v_new


def optimal_policy(discount: float = DISCOUNT,
                   num_states: int = NUM_STATES,
                   success_probability: float = SUCCESS_PROBABILITY
                   ) -> np.ndarray:
  """The greedy policy of Q* (ties to LEFT), int64 [S]."""
  q, _ = optimal_values(discount, num_states, success_probability)
  return np.argmax(q, axis=0)


class ChainWalkEnvironment(dm_env.Environment):
  """The chain walk as a dm_env.Environment (`environments.make_environment(
  'chain_walk')`), for the programs that learn from episodes.

  Observation: the state one-hot, float32 [NUM_STATES]. Actions LEFT,
  RIGHT. Each step pays R(s) of the state it is taken from (as the model
  does) and moves; episodes start in a uniformly random state and end by
  truncation after TIME_LIMIT steps (discount 1: the task never ends).
  """

  def __init__(self, seed: int):
    self._rng = np.random.default_rng(seed)
    self._rewards = rewards()
    self._state = 0
    self._steps = 0
    self._reset_next = True

  def _observation(self) -> np.ndarray:
    observation = np.zeros(NUM_STATES, np.float32)
    observation[self._state] = 1.0
    return observation

  def reset(self) -> dm_env.TimeStep:
    self._state = int(self._rng.integers(NUM_STATES))
    self._steps = 0
    self._reset_next = False
    return dm_env.restart(self._observation())

  def step(self, action) -> dm_env.TimeStep:
    if self._reset_next:
      return self.reset()
    reward = float(self._rewards[self._state])
    intended = 1 if int(action) == RIGHT else -1
    move = intended if self._rng.random() < SUCCESS_PROBABILITY else (
        -intended)
    self._state = int(np.clip(self._state + move, 0, NUM_STATES - 1))
    self._steps += 1
    if self._steps >= TIME_LIMIT:
      self._reset_next = True
      return dm_env.truncation(reward, self._observation())
    return dm_env.transition(reward, self._observation())

  def observation_spec(self) -> specs.Array:
    return specs.Array((NUM_STATES,), np.float32, name='observation')

  def action_spec(self) -> specs.DiscreteArray:
    return specs.DiscreteArray(NUM_ACTIONS, name='action')
