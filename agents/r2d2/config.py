"""R2D2Config: the one home of R2D2's hyperparameters.

R2D2 (Kapturowski et al. 2019) is Ape-X with a recurrent Q-network trained
on stored sequences, so its config is an `ApexConfig` (replay, ladder,
optimizer, torso, evaluation fields and their checks) with the recurrent
fields added and the defaults R2D2 changes. Replay sizes, batch size, insert
batch and samples per insert count sequences, not transitions.

Paper values are in the comments; defaults are scaled to CartPole/Catch on
two cores.
"""

import dataclasses
from typing import Tuple

from agents.common import config_checks
from agents.dqn import config as dqn_config


@dataclasses.dataclass(frozen=True)
class R2D2Config(dqn_config.ApexConfig):
  """R2D2 hyperparameters; checked on creation."""

  # --- Sequences ---
  # Steps per replay item, burn-in included (paper: 80).
  sequence_length: int = 20
  # Steps unrolled from the stored state without gradient before the loss,
  # to repair the staleness of that state (paper: 40).
  burn_in: int = 4
  # Steps between the starts of consecutive sequences of one environment;
  # below sequence_length they overlap (paper: 40, half of 80).
  sequence_period: int = 10
  # LSTM units of the recurrent core (paper: 512).
  lstm_size: int = 64
  hidden_sizes: Tuple[int, ...] = (64,)

  # --- Loss ---
  n_step: int = 5  # Paper: 5.
  # eps of the value rescaling h(x) = sign(x)(sqrt(|x|+1)-1) + eps x.
  value_rescaling_epsilon: float = 1e-3
  # Sequence priority eta max|delta| + (1 - eta) mean|delta| (paper: 0.9).
  priority_eta: float = 0.9
  priority_exponent: float = 0.9  # Paper: 0.9.
  importance_sampling_exponent: float = 0.6  # Paper: 0.6.
  # Paper: Adam lr 1e-4, epsilon 1e-3, target period 2500 updates. Adam's
  # epsilon stays at DQNConfig's 1e-8: rescaled small-game returns give
  # gradients near 1e-3, which an epsilon of 1e-3 halves (Catch took 80 s
  # to solve with it, 44 s without).
  learning_rate: float = 1e-3
  target_update_period: int = 100
  # Sequences, not transitions: in sequences per batch (paper: 64), table
  # capacity (paper: 100k sequences) and minimum before sampling.
  batch_size: int = 32
  replay_size: int = 10_000
  min_replay_size: int = 256
  # Sequences sampled per sequence inserted; each sequence brings
  # sequence_period new steps, so 4.0 replays each learned step about
  # 4 * (sequence_length - burn_in) / sequence_period = 6.4 times. Measured
  # with 2 actors (2 processes), launch to solved: 2.0 -> Catch 40 s,
  # memory task 87 s; 4.0 -> 27 s, 56 s; 8.0 -> 25 s, 84 s (unstable).
  # Acting is what a low ratio spends the two cores on.
  samples_per_insert: float = 4.0
  # Sequences an actor collects before one batched insert; all its
  # environments end a sequence on the same step.
  insert_batch: int = 8
  # A sequence holds no last observation of an episode cut by the time
  # limit (the next episode's first follows), so truncation ends the
  # episode as in the paper's Atari setup.
  bootstrap_truncation: bool = False

  def __post_init__(self):
    super().__post_init__()
    config_checks.positive_ints(self, (
        'sequence_length', 'sequence_period', 'lstm_size'))
    if not isinstance(self.burn_in, int) or self.burn_in < 0:
      raise ValueError(f'R2D2Config.burn_in={self.burn_in!r} must be an int '
                       '>= 0.')
    if self.sequence_length - self.burn_in < 2:
      raise ValueError(
          f'R2D2Config: sequence_length={self.sequence_length} must exceed '
          f'burn_in={self.burn_in} by at least 2 (one step to learn, one to '
          'bootstrap from).')
    if self.sequence_period > self.sequence_length:
      raise ValueError(
          f'R2D2Config.sequence_period={self.sequence_period} must not '
          f'exceed sequence_length={self.sequence_length}: steps between '
          'sequences would never be learned.')
    config_checks.unit_interval(self, ('priority_eta',))
    config_checks.positive(self, ('value_rescaling_epsilon',))
    if self.distributional:
      raise ValueError('R2D2Config.distributional must be False: R2D2 '
                       'learns rescaled scalar Q-values, not C51.')
    if self.bootstrap_truncation:
      raise ValueError('R2D2Config.bootstrap_truncation must be False: a '
                       'stored sequence has no last observation of a '
                       'truncated episode to bootstrap from.')
