"""LSPIConfig: the one home of LSPI's hyperparameters (Lagoudakis & Parr
2003, "Least-Squares Policy Iteration", JMLR 4), run as map-reduce (Li &
Schuurmans 2011, "MapReduce for Parallel Reinforcement Learning"). Paper
values in the comments; defaults are the chain walk's.
"""

import dataclasses

from agents.common import config_checks


@dataclasses.dataclass(frozen=True)
class LSPIConfig:
  """LSPI hyperparameters; checked on creation."""

  # Seed of the sample set: shard k draws samples [start_k, stop_k) of the
  # one set (chain_walk.sample_transitions), so the data do not depend on
  # the number of shards.
  seed: int = 0
  # N, transitions over all shards (paper, chain walk: a few thousand from
  # random episodes).
  num_samples: int = 5_000
  # gamma (paper, chain walk: 0.9).
  discount: float = 0.9
  # Ridge delta: the reducer solves (A + delta I) w = b. A = sum_i
  # phi_i (phi_i - gamma phi'_i)^T is singular when some feature never
  # occurs in the samples (or is collinear in them); delta I is the
  # classic LSTD start A_0 = delta I (Bradtke & Barto 1996). Added once, by
  # the reducer, never per shard: K shards adding it would give K delta.
  regularisation: float = 1e-6
  # Policy iterations before giving up (paper: 20; LSPI can cycle between
  # policies instead of converging).
  max_iterations: int = 20
  # epsilon: stop once ||w_new - w||_2 < epsilon (the authors' code:
  # 1e-5), or once the greedy policy on the probe states stays the same.
  weight_tolerance: float = 1e-5

  def __post_init__(self):
    config_checks.positive_ints(self, ('num_samples', 'max_iterations'))
    config_checks.decay(self, 'discount')
    config_checks.non_negative(self, ('regularisation',))
    config_checks.positive(self, ('weight_tolerance',))
    if not isinstance(self.seed, int) or isinstance(self.seed, bool) or (
        self.seed < 0):
      raise ValueError(f'LSPIConfig.seed={self.seed!r} must be an int >= 0 '
                       '(NumPy seed sequences take no negative entropy).')
