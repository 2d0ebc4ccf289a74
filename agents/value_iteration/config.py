"""ValueIterationConfig: the one home of the hyperparameters of value
iteration as map-reduce (Li & Schuurmans 2011, "MapReduce for Parallel
Reinforcement Learning"): mappers own row blocks of a sparse model, a
reducer assembles V. Also policy evaluation and policy iteration.
"""

import dataclasses

from agents.common import config_checks

MODES = ('value_iteration', 'policy_evaluation', 'policy_iteration')


@dataclasses.dataclass(frozen=True)
class ValueIterationConfig:
  """Dynamic-programming hyperparameters and the grid world; checked on
  creation."""

  # Every program takes `--seed`; dynamic programming on a known model
  # draws nothing at random, so it changes nothing here.
  seed: int = 0
  # 'value_iteration': V <- max_a (R_a + gamma P_a V) until converged.
  # 'policy_evaluation': V <- R_pi + gamma P_pi V for a given policy pi.
  # 'policy_iteration': evaluate pi by sweeps, improve it greedily, until
  #   an improvement sweep changes V by less than the threshold below.
  mode: str = 'value_iteration'
  # gamma, in (0, 1): < 1 makes every backup a contraction.
  discount: float = 0.95
  # Sup-norm bound on |V - V_fixed_point| at the stop. A sweep changing V by
  # less than tolerance (1 - gamma) / gamma guarantees it (Bertsekas'
  # contraction bound: |V_{k+1} - V*| <= gamma / (1 - gamma) |V_{k+1} - V_k|).
  tolerance: float = 1e-6
  # Sweeps (map-reduce rounds: every mapper backs up its block once), in
  # all modes, before giving up unconverged. Value iteration with the
  # defaults took 265 sweeps on a 100 x 100 grid and 328 on 300 x 300.
  max_iterations: int = 10_000

  # --- The grid world (agents.value_iteration.model) ---
  # n: the grid is n x n, so n^2 states (1,000 -> 10^6).
  grid_size: int = 1000
  # A move goes the intended way with probability 1 - slip, else in one of
  # the 4 directions uniformly at random (possibly the intended one).
  slip_probability: float = 0.2
  # Reward of entering the goal (the bottom-right corner, absorbing).
  goal_reward: float = 1.0
  # Reward of every step taken outside the goal (a cost): V* is then the
  # discounted cost to go, non-zero in every state. With a goal reward
  # alone V* ~ gamma^distance, below the tolerance beyond ~270 steps, and
  # "matches to 1e-6" would say nothing about most of a 10^6-state grid.
  step_reward: float = -1.0

  def __post_init__(self):
    config_checks.choice(self, 'mode', MODES)
    config_checks.positive(self, ('discount', 'tolerance', 'goal_reward'))
    if not isinstance(self.step_reward, (int, float)) or isinstance(
        self.step_reward, bool) or not -1e6 <= self.step_reward <= 0.0:
      raise ValueError(f'ValueIterationConfig.step_reward='
                       f'{self.step_reward!r} must be a number in [-1e6, 0] '
                       '(a cost; a positive one would pay for staying away '
                       'from the goal).')
    config_checks.decay(self, 'discount')
    config_checks.positive_ints(self, ('max_iterations',))
    config_checks.unit_interval(self, ('slip_probability',))
    if (not isinstance(self.grid_size, int) or
        isinstance(self.grid_size, bool) or self.grid_size < 2):
      raise ValueError(f'ValueIterationConfig.grid_size={self.grid_size!r} '
                       'must be an int >= 2 (a 1 x 1 grid is only the goal).')
