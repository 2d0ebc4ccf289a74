"""DQNConfig: the one home of every hyperparameter of the DQN family.

One config serves the three programs built on the DQN core (`programs.dqn`,
`programs.apex`, `programs.gorila`); each program reads the fields it uses
and `ApexConfig` / `GorilaConfig` only change defaults or add the fields of
their architecture. Sources: Mnih et al. 2015 (DQN), van Hasselt et al. 2016
(double Q), Schaul et al. 2016 (prioritized replay), Bellemare et al. 2017
(C51), Wang et al. 2016 (dueling), Horgan et al. 2018 (Ape-X), Nair et al.
2015 (Gorila). The papers tuned for Atari on many machines; the defaults here
target CartPole/Catch/MinAtar on two cores and each field comment says where
they differ.
"""

import dataclasses
from typing import Tuple

from agents.common import config_checks

OPTIMIZERS = ('adam', 'rmsprop')
TORSOS = ('auto', 'mlp', 'conv')


@dataclasses.dataclass(frozen=True)
class DQNConfig:
  """Hyperparameters of DQN and its Rainbow-line options; checked on creation."""

  # Run seed; actor i seeds its environments and exploration from (seed, i).
  seed: int = 0

  # --- Acting ---
  # Environments stepped together per actor process (one Q-network call
  # serves them all; the papers ran one environment per actor).
  envs_per_actor: int = 8
  # Linear epsilon decay of the DQN actor: from epsilon_start to
  # epsilon_end over epsilon_decay_steps environment steps of that actor
  # (paper: 1.0 -> 0.1 over 1M frames; a lower floor, 0.01, left CartPole
  # stuck near 250: too few failures near the track edges to learn from).
  epsilon_start: float = 1.0
  epsilon_end: float = 0.1
  epsilon_decay_steps: int = 10_000
  # Epsilon of the evaluator (greedy-ish, as in the papers' 0.05 / 0.001).
  eval_epsilon: float = 0.0
  # Environment steps of one actor between variable requests (Ape-X: 400).
  variable_update_period: int = 400
  # Transitions an actor collects before one batched insert (Ape-X's local
  # buffer, paper: 50 per actor; here per actor process of B environments).
  insert_batch: int = 64

  # --- Replay (Reverb table) ---
  # Capacity; the oldest transition goes first (FIFO) when full (paper: 1M).
  replay_size: int = 100_000
  # Transitions in the table before the learner may sample (paper: 50k).
  min_replay_size: int = 1_000
  # Rate limiter: transitions sampled per transition inserted, on average
  # (DQN 2015: 32 sampled every 4 steps = 8). 0 means no ratio, only the
  # minimum size: actors and learner run free.
  samples_per_insert: float = 8.0
  # Prioritized replay (Schaul et al.): sample with probability p^alpha and
  # correct with importance weights (N P)^-beta / max; off in the 2015 DQN.
  prioritized: bool = False
  priority_exponent: float = 0.6
  importance_sampling_exponent: float = 0.4
  # Added to |TD| so that no transition gets probability 0.
  priority_epsilon: float = 1e-6

  # --- Learning ---
  # Time-limit truncation is not termination (Pardo et al. 2018): a
  # transition cut by the limit bootstraps from its last observation. Off,
  # it ends with discount 0 as in the 2015 DQN.
  bootstrap_truncation: bool = True
  batch_size: int = 64
  discount: float = 0.99
  # n-step returns (1: the 2015 DQN; Ape-X and Rainbow: 3).
  n_step: int = 3
  # van Hasselt et al. 2016: select the next action with the online network,
  # evaluate it with the target network.
  double_q: bool = True
  # Learner updates between copies of the online network into the target
  # network (paper: 10k; small problems want much less).
  target_update_period: int = 200
  # Huber loss threshold on the TD error (paper: 1.0; gradient clipping).
  huber_delta: float = 1.0
  # 'adam' (default here) or 'rmsprop' (paper: RMSProp lr 2.5e-4, decay
  # 0.95, epsilon 0.01).
  optimizer: str = 'adam'
  learning_rate: float = 1e-3
  adam_epsilon: float = 1e-8
  rmsprop_decay: float = 0.95
  rmsprop_epsilon: float = 0.01
  # Global-norm gradient clipping (Ape-X: 40).
  max_gradient_norm: float = 10.0

  # --- Network ---
  torso: str = 'auto'  # 'mlp', 'conv', or by observation rank ('auto').
  hidden_sizes: Tuple[int, ...] = (128, 128)
  conv_channels: int = 16
  # Wang et al. 2016: Q = V + A - mean(A).
  dueling: bool = False
  # Bellemare et al. 2017 (C51): a categorical return distribution over
  # num_atoms atoms evenly spaced on [v_min, v_max].
  distributional: bool = False
  num_atoms: int = 51
  v_min: float = 0.0
  v_max: float = 100.0

  # --- Evaluation and logging ---
  eval_period_seconds: float = 2.0
  eval_episodes: int = 16
  log_period_seconds: float = 2.0
  # Seconds between checkpoints of the program's stateful nodes (those of
  # learner, counter, replay, parameter servers it has) under
  # <logdir>/checkpoints; each also saves at the stop.
  checkpoint_period_seconds: float = 60.0
  # Seconds between the variable server's pulls from the learner.
  variable_refresh_seconds: float = 0.1

  def __post_init__(self):
    config_checks.positive_ints(self, (
        'envs_per_actor', 'epsilon_decay_steps', 'variable_update_period',
        'insert_batch', 'replay_size', 'min_replay_size', 'batch_size',
        'n_step', 'target_update_period', 'conv_channels', 'num_atoms',
        'eval_episodes'))
    config_checks.unit_interval(self, (
        'epsilon_start', 'epsilon_end', 'eval_epsilon', 'discount',
        'priority_exponent', 'importance_sampling_exponent'))
    config_checks.positive(self, (
        'priority_epsilon', 'huber_delta', 'learning_rate', 'adam_epsilon',
        'rmsprop_epsilon', 'max_gradient_norm', 'eval_period_seconds',
        'log_period_seconds', 'checkpoint_period_seconds',
        'variable_refresh_seconds'))
    config_checks.decay(self, 'rmsprop_decay')
    if self.samples_per_insert < 0:
      raise ValueError(f'{type(self).__name__}.samples_per_insert='
                       f'{self.samples_per_insert} must be >= 0 (0: no '
                       'ratio limit).')
    if self.min_replay_size > self.replay_size:
      raise ValueError(
          f'{type(self).__name__}.min_replay_size={self.min_replay_size} '
          f'must not exceed replay_size={self.replay_size}.')
    if self.min_replay_size < self.batch_size:
      raise ValueError(
          f'{type(self).__name__}.min_replay_size={self.min_replay_size} '
          f'must be at least batch_size={self.batch_size}.')
    config_checks.choice(self, 'optimizer', OPTIMIZERS)
    config_checks.choice(self, 'torso', TORSOS)
    config_checks.layer_sizes(self, 'hidden_sizes')
    if self.distributional and (self.num_atoms < 2 or
                                not self.v_min < self.v_max):
      raise ValueError(
          f'{type(self).__name__}: the distributional head needs num_atoms '
          f'>= 2 and v_min < v_max (got {self.num_atoms}, {self.v_min}, '
          f'{self.v_max}).')


@dataclasses.dataclass(frozen=True)
class ApexConfig(DQNConfig):
  """Ape-X (Horgan et al. 2018): DQN defaults plus its exploration ladder.

  Actor i of N explores with epsilon ** (1 + epsilon_alpha * i / (N - 1));
  priorities are computed by the actors and written back by the learner.
  """

  prioritized: bool = True
  # Paper: epsilon 0.4, alpha 7.
  epsilon: float = 0.4
  epsilon_alpha: float = 7.0
  # Ape-X's learner runs free of the actors in the paper; a ratio still
  # keeps it from over-fitting a nearly empty table on two shared cores.
  samples_per_insert: float = 8.0

  def __post_init__(self):
    super().__post_init__()
    config_checks.unit_interval(self, ('epsilon',))
    if self.epsilon_alpha < 0:
      raise ValueError(f'ApexConfig.epsilon_alpha={self.epsilon_alpha} must '
                       'be >= 0.')
    if not self.prioritized:
      raise ValueError('ApexConfig.prioritized must be True: Ape-X is '
                       'prioritized replay.')


REPLAY_MODES = ('shared', 'bundled')


@dataclasses.dataclass(frozen=True)
class GorilaConfig(DQNConfig):
  """Gorila (Nair et al. 2015): DQN defaults plus the parameter server's.

  Learners send gradients to `num_shards` parameter-server shards, which
  apply them asynchronously; gradients computed on parameters more than
  `max_staleness` updates older than a shard's are dropped.
  """

  # Learner nodes; in 'bundled' replay mode there are as many actors.
  num_learners: int = 1
  num_shards: int = 2
  # 'shared': one replay table for all; 'bundled': one replay node per
  # actor/learner pair (the paper's bundled mode), actor i feeds learner i.
  replay_mode: str = 'shared'
  # A shard drops a gradient computed on parameters older than this many of
  # its updates (paper: a threshold on the age of the parameters).
  max_staleness: int = 20
  # Learner updates between parameter pulls (the learner also pulls after a
  # dropped gradient).
  parameter_pull_period: int = 1
  # Learner updates between refreshes of its target network from the
  # parameter server (paper: every N updates; "C" in the issue).
  target_update_period: int = 200

  def __post_init__(self):
    super().__post_init__()
    config_checks.positive_ints(self, ('num_learners', 'num_shards', 'max_staleness',
                                'parameter_pull_period'))
    config_checks.choice(self, 'replay_mode', REPLAY_MODES)
