"""A large sparse grid world and dynamic programming on row blocks of its
model, as map-reduce (Li & Schuurmans 2011). NumPy + SciPy only.

The model: per action a, P_a [S, S] (scipy.sparse CSR) and R [A, S], the
expected reward of taking a in s. A mapper owns rows [start, stop) of every
P_a and R (a `Block`); one sweep is

  mapper:  V_block, greedy_block = backup_block(block.transitions,
               block.rewards, V[block.column_start:block.column_stop],
               discount, policy_block)      # Q = R_a + gamma P_a V, [A, B]
  reducer: V = concatenate(V_block over blocks, in row order), then stop
           once |V_new - V|_inf < stop_threshold(config).

`value_iteration` runs that loop in one process (all three modes), and
`solve_exact` / `evaluate_policy_exact` are the single-process references.

The grid: n x n cells, state = row * n + column, actions UP, RIGHT, DOWN,
LEFT. A move goes the intended way with probability 1 - slip, else in a
uniformly random direction; a move into the wall stays put. The goal, the
bottom-right corner, is absorbing and pays nothing; entering it pays
goal_reward, and every step outside it pays step_reward (a cost, -1 by
default). V* is the discounted cost to go, in (-1 / (1 - gamma), 0]:
non-zero everywhere, though beyond ~300 steps from the goal it differs
from -1 / (1 - gamma) = -20 by less than the tolerance 1e-6 (gamma^300 at
0.95), so far states tie on V to that precision; their greedy actions
still follow Q's rounding-level differences.
"""

from typing import Callable, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import scipy.sparse
import scipy.sparse.linalg

from agents.common import environments
from agents.common import splits
from agents.value_iteration import config as config_lib

# The tasks given as this model.
TASKS = environments.MODEL_NAMES
UP, RIGHT, DOWN, LEFT = range(4)
NUM_ACTIONS = 4
# (row step, column step) of each direction, indexed by action.
_MOVES = np.array([(-1, 0), (0, 1), (1, 0), (0, -1)])


class Block(NamedTuple):
  """A mapper's rows [start, stop) of the model; B = stop - start.

  Row s only reaches states within one grid row of s, so the matrices keep
  the columns [column_start, column_stop) only: a mapper needs just that
  slice of V (B + 2n values, not S).
  """
  start: int
  stop: int
  column_start: int
  column_stop: int
  transitions: List[scipy.sparse.csr_matrix]  # per action, [B, C]
  rewards: np.ndarray  # R[a, s], [A, B]


class Solution(NamedTuple):
  values: np.ndarray  # V, float64 [S]
  # Greedy actions w.r.t. the values before the last sweep (the Q that
  # gave `values`), uint8 [S]. Policy evaluation: the improved policy.
  policy: np.ndarray
  iterations: int  # Sweeps (map-reduce rounds).
  converged: bool  # False: max_iterations ran out first.
  improvements: int  # Policy improvement sweeps (policy_iteration only).


def check(environment_name: str, program: str = 'value_iteration') -> None:
  """Raises ValueError naming the tasks `program` takes (it needs a model,
  not an environment to act in)."""
  if environment_name not in TASKS:
    raise ValueError(f'{program} needs a task given as a model (P, R); '
                     f'environment {environment_name!r} is not one. Tasks: '
                     f'{", ".join(TASKS)}.')


def num_states(grid_size: int) -> int:
  return grid_size * grid_size


def goal_state(grid_size: int) -> int:
  """The bottom-right corner."""
  return num_states(grid_size) - 1


def row_blocks(num_rows: int, num_blocks: int) -> List[Tuple[int, int]]:
  """[start, stop) of K contiguous row blocks; sizes differ by <= 1.

  Raises:
    ValueError: num_blocks < 1 or more blocks than rows.
  """
  return splits.even_ranges(num_rows, num_blocks, 'row blocks')


def build_block(config: config_lib.ValueIterationConfig, start: int,
                stop: int) -> Block:
  """Rows [start, stop) of the grid world's model, built vectorised.

  Each row gets one entry per direction (4, duplicates at walls summed),
  so 10^6 states take a few seconds and ~4 x 48 MB (float64 data, int32
  indices).
  """
  n = config.grid_size
  size = num_states(n)
  if not 0 <= start < stop <= size:
    raise ValueError(f'Rows [{start}, {stop}) must lie in [0, {size}).')
  goal = goal_state(n)
  column_start, column_stop = max(0, start - n), min(size, stop + n)
  states = np.arange(start, stop)  # [B]
  rows, columns = np.divmod(states, n)
  next_rows = np.clip(rows[None, :] + _MOVES[:, :1], 0, n - 1)  # [4, B]
  next_columns = np.clip(columns[None, :] + _MOVES[:, 1:], 0, n - 1)
  next_states = next_rows * n + next_columns  # [direction, B]
  at_goal = states == goal
  next_states[:, at_goal] = goal  # Absorbing.
  entering_goal = (next_states == goal) & ~at_goal  # [direction, B]
  block_rows = np.broadcast_to(states - start, next_states.shape).ravel()
  transitions, rewards = [], np.zeros((NUM_ACTIONS, len(states)))
  for action in range(NUM_ACTIONS):
    # Pr(direction | action): the intended one with 1 - slip, plus slip / 4
    # for each direction.
    probabilities = np.full(NUM_ACTIONS, config.slip_probability / 4)
    probabilities[action] += 1.0 - config.slip_probability
    data = np.broadcast_to(probabilities[:, None], next_states.shape)
    keep = data.ravel() > 0  # slip = 0 leaves one entry a row.
    transitions.append(scipy.sparse.csr_matrix(
        (data.ravel()[keep],
         (block_rows[keep], next_states.ravel()[keep] - column_start)),
        shape=(len(states), column_stop - column_start)))
    rewards[action] = (config.goal_reward *
                       (data * entering_goal).sum(axis=0) +
                       config.step_reward * ~at_goal)
  return Block(start, stop, column_start, column_stop, transitions, rewards)


def build(config: config_lib.ValueIterationConfig) -> Block:
  """The whole model as one block: P_a [S, S], R [A, S]."""
  return build_block(config, 0, num_states(config.grid_size))


def backup_block(transitions: Sequence[scipy.sparse.spmatrix],
                 rewards: np.ndarray, values: np.ndarray, discount: float,
                 policy: Optional[np.ndarray] = None
                 ) -> Tuple[np.ndarray, np.ndarray]:
  """The map step: one Bellman backup of a block of rows.

  Args:
    transitions: P_a restricted to the block's rows and columns, per
      action, [B, C].
    rewards: R[a, s] of the block's rows, [A, B].
    values: V of the block's columns, [C].
    discount: gamma.
    policy: the block's actions under pi, [B], for policy evaluation; None
      backs up the max (value iteration).

  Returns:
    (V_new [B] float64: max_a Q, or Q[pi], and greedy [B]: argmax_a Q, ties
    to the lowest action, in the smallest unsigned int type that holds the
    actions), with Q = R_a + gamma P_a V [A, B].
  """
  q = np.stack([rewards[a] + discount * (p @ values)
                for a, p in enumerate(transitions)])  # [A, B]
  greedy = np.argmax(q, axis=0)
  chosen = greedy if policy is None else np.asarray(policy)
  return (q[chosen, np.arange(q.shape[1])],
          greedy.astype(np.min_scalar_type(len(transitions) - 1)))


def stop_threshold(config: config_lib.ValueIterationConfig) -> float:
  """Sweeps stop once |V_new - V|_inf is below this: then
  |V_new - V_fixed_point|_inf < config.tolerance."""
  return _threshold(config.tolerance, config.discount)


def _threshold(tolerance: float, discount: float) -> float:
  # |V_{k+1} - V*| <= gamma / (1 - gamma) |V_{k+1} - V_k| (a contraction).
  return tolerance * (1.0 - discount) / discount


def value_iteration(blocks: Sequence[Block],
                    config: config_lib.ValueIterationConfig,
                    policy: Optional[np.ndarray] = None) -> Solution:
  """The reducer's loop in one process, backing up block by block.

  Args:
    blocks: contiguous row blocks covering states [0, S), in order.
    config: mode, discount, tolerance, max_iterations.
    policy: pi, [S] ints: required for 'policy_evaluation'; the first
      policy of 'policy_iteration' (default: greedy w.r.t. V = 0).

  Returns:
    Solution (`iterate`).

  Raises:
    ValueError: blocks not contiguous from 0, or (`iterate`) no policy to
      evaluate, or a policy given to value iteration.
  """
  if blocks[0].start != 0 or any(a.stop != b.start
                                 for a, b in zip(blocks, blocks[1:])):
    raise ValueError('blocks must be contiguous row blocks from row 0, in '
                     f'order; got {[(b.start, b.stop) for b in blocks]}.')

  def sweep(values, policy):
    results = [backup_block(
        b.transitions, b.rewards, values[b.column_start:b.column_stop],
        config.discount, None if policy is None else policy[b.start:b.stop])
               for b in blocks]
    return (np.concatenate([r[0] for r in results]),  # [S]
            np.concatenate([r[1] for r in results]))  # [S]

  return iterate(sweep, blocks[-1].stop, config, policy)


Sweep = Callable[[np.ndarray, Optional[np.ndarray]],
                 Tuple[np.ndarray, np.ndarray]]


def iterate(sweep: Sweep, num_states: int,
            config: config_lib.ValueIterationConfig,
            policy: Optional[np.ndarray] = None,
            on_sweep: Optional[Callable[[int, float], None]] = None
            ) -> Solution:
  """The reducer's loop over any sweep: in one process (`value_iteration`)
  or over mapper nodes (programs/nodes/map_reduce.py).

  Args:
    sweep: (V [S], pi [S] or None) -> (V_new [S], greedy [S]): one backup of
      every block, of pi's actions if given, else of the max.
    num_states: S.
    config: mode, discount, tolerance, max_iterations.
    policy: pi, [S] ints: required for 'policy_evaluation'; the first
      policy of 'policy_iteration' (default: greedy w.r.t. V = 0).
    on_sweep: called with (sweep number, |V_new - V|_inf) after each sweep.

  Returns:
    Solution. For 'policy_iteration' the stop is an improvement sweep that
    changed V by less than the threshold: V is then within tolerance of V*,
    as for value iteration.

  Raises:
    ValueError: no policy to evaluate, or a policy given to value
      iteration.
  """
  if config.mode == 'policy_evaluation' and policy is None:
    raise ValueError("mode='policy_evaluation' needs the policy to evaluate.")
  if config.mode == 'value_iteration' and policy is not None:
    raise ValueError("mode='value_iteration' takes no policy; it would be "
                     'ignored.')
  threshold = stop_threshold(config)
  values = np.zeros(num_states)
  greedy = np.zeros(num_states, np.uint8)
  # Policy iteration starts by improving, unless given a first policy.
  evaluating = config.mode == 'policy_evaluation' or (
      config.mode == 'policy_iteration' and policy is not None)
  improvements = 0
  for iteration in range(1, config.max_iterations + 1):
    new_values, greedy = sweep(values, policy if evaluating else None)
    change = float(np.max(np.abs(new_values - values)))
    values = new_values
    if on_sweep is not None:
      on_sweep(iteration, change)
    if config.mode == 'policy_iteration':
      if not evaluating:
        improvements += 1
        if change < threshold:  # |TV - V| small: V is near V*.
          return Solution(values, greedy, iteration, True, improvements)
        policy, evaluating = greedy, True
      elif change < threshold:  # pi evaluated: improve it next sweep.
        evaluating = False
    elif change < threshold:
      return Solution(values, greedy, iteration, True, improvements)
  return Solution(values, greedy, config.max_iterations, False, improvements)


def heading_policy(grid_size: int) -> np.ndarray:
  """A fixed policy to evaluate: DOWN to the bottom row, then RIGHT to the
  goal, uint8 [S] (the program's 'policy_evaluation' mode)."""
  rows = np.arange(num_states(grid_size)) // grid_size
  return np.where(rows < grid_size - 1, DOWN, RIGHT).astype(np.uint8)


def _policy_model(model: Block, policy: np.ndarray
                  ) -> Tuple[scipy.sparse.csr_matrix, np.ndarray]:
  """P_pi [S, S] (row s of P_pi(s)) and R_pi [S] of a whole-model block."""
  policy = np.asarray(policy)
  p_pi = sum(scipy.sparse.diags((policy == a).astype(np.float64)) @ p
             for a, p in enumerate(model.transitions))
  return p_pi.tocsr(), model.rewards[policy, np.arange(len(policy))]


def evaluate_policy_exact(model: Block, discount: float,
                          policy: np.ndarray) -> np.ndarray:
  """V_pi [S] from the sparse linear solve (I - gamma P_pi) V = R_pi.

  Args:
    model: the whole model (`build`), or any Block with start 0 and all
      columns.
    discount: gamma.
    policy: pi, [S] ints.
  """
  p_pi, r_pi = _policy_model(model, policy)
  system = scipy.sparse.identity(p_pi.shape[0], format='csc') - (
      discount * p_pi.tocsc())
  return scipy.sparse.linalg.spsolve(system, r_pi)


def solve_exact(model: Block, discount: float,
                method: str = 'policy_iteration', tolerance: float = 1e-10,
                max_iterations: int = 100_000) -> Solution:
  """V* and a greedy policy in one process, the reference for the blocks.

  Args:
    model: the whole model (`build`).
    discount: gamma.
    method: 'policy_iteration': Howard's, each policy evaluated exactly by
      `evaluate_policy_exact` (exact to solver rounding; a sparse LU, so
      for grids up to ~10^5 states). 'value_iteration': sweeps of one
      stacked CSR matrix [A S, S] until |V - V*|_inf < tolerance (for
      10^6 states).
    tolerance: 'value_iteration' only, as ValueIterationConfig.tolerance.
    max_iterations: cap on policies or sweeps.

  Returns:
    Solution (iterations: policies evaluated, or sweeps).
  """
  num_actions, size = model.rewards.shape
  if method == 'policy_iteration':
    policy = np.zeros(size, np.int64)
    for iteration in range(1, max_iterations + 1):
      values = evaluate_policy_exact(model, discount, policy)
      q = model.rewards + discount * np.stack(
          [p @ values for p in model.transitions])  # [A, S]
      current = q[policy, np.arange(size)]
      # Switch only for a gain above rounding, or equal actions would
      # swap forever on float noise.
      better = q.max(axis=0) > current + 1e-12 * (1.0 + np.abs(current))
      if not better.any():
        return Solution(values, policy.astype(np.uint8), iteration, True,
                        iteration - 1)
      policy = np.where(better, np.argmax(q, axis=0), policy)
    return Solution(values, policy.astype(np.uint8), max_iterations, False,
                    max_iterations)
  if method == 'value_iteration':
    stacked = scipy.sparse.vstack(model.transitions, format='csr')  # [A S, S]
    flat_rewards = model.rewards.ravel()  # [A S], action-major as stacked
    threshold = _threshold(tolerance, discount)
    values = np.zeros(size)
    for iteration in range(1, max_iterations + 1):
      q = (flat_rewards + discount * (stacked @ values)).reshape(
          num_actions, size)
      new_values = q.max(axis=0)
      change = np.max(np.abs(new_values - values))
      values = new_values
      if change < threshold:
        return Solution(values, np.argmax(q, axis=0).astype(np.uint8),
                        iteration, True, 0)
    return Solution(values, np.argmax(q, axis=0).astype(np.uint8),
                    max_iterations, False, 0)
  raise ValueError(f"method={method!r}; allowed: policy_iteration, "
                   'value_iteration.')
