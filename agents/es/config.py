"""ESConfig: the one home of Evolution Strategies' hyperparameters
(Salimans et al. 2017, "Evolution Strategies as a Scalable Alternative to
Reinforcement Learning"). Paper values in the comments; defaults sized for
CartPole/Catch on two cores.
"""

import dataclasses
from typing import Tuple

from agents.common import config_checks


@dataclasses.dataclass(frozen=True)
class ESConfig:
  """ES hyperparameters; checked on creation."""

  # Run seed; also the seed of the shared noise table.
  seed: int = 0
  # Gaussian noise shared by every node, built from `seed` (paper: 250M
  # float32; a slice of it is each perturbation).
  noise_table_size: int = 5_000_000
  # Perturbation scale sigma (paper: 0.02).
  sigma: float = 0.02
  # Antithetic pairs (theta + sigma eps, theta - sigma eps) each worker
  # evaluates per iteration; population = 2 x pairs x workers.
  pairs_per_worker: int = 16
  # Adam on the ES gradient (paper: lr 0.01) with L2 weight decay 0.005.
  learning_rate: float = 0.01
  weight_decay: float = 0.005
  adam_beta1: float = 0.9
  adam_beta2: float = 0.999
  adam_epsilon: float = 1e-8
  # Observation normalisation from running statistics the workers gather
  # (paper: yes, observations sampled with probability 0.01; here every
  # observation of one perturbation in `observation_sample_every`).
  normalize_observations: bool = True
  observation_sample_every: int = 4
  # NumPy MLP policy with tanh (paper, MuJoCo: two layers of 64 tanh).
  hidden_sizes: Tuple[int, ...] = (32, 32)
  # Episode step cap per perturbation (None: the environment's own).
  max_episode_steps: int = 1000

  # --- Evaluation and logging ---
  eval_period_seconds: float = 2.0
  eval_episodes: int = 16
  log_period_seconds: float = 2.0
  # Seconds between checkpoints of the program's stateful nodes (those of
  # learner, counter, replay, parameter servers it has) under
  # <logdir>/checkpoints; each also saves at the stop.
  checkpoint_period_seconds: float = 60.0

  def __post_init__(self):
    config_checks.positive_ints(self, (
        'noise_table_size', 'pairs_per_worker', 'observation_sample_every',
        'max_episode_steps', 'eval_episodes'))
    config_checks.positive(self, (
        'sigma', 'learning_rate', 'adam_epsilon', 'eval_period_seconds',
        'log_period_seconds', 'checkpoint_period_seconds'))
    config_checks.unit_interval(self, ('adam_beta1', 'adam_beta2'))
    config_checks.non_negative(self, ('weight_decay',))
    config_checks.layer_sizes(self, 'hidden_sizes')
