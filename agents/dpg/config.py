"""DPGConfig: the one home of every hyperparameter of the DPG family.

One config core serves the two programs built on it: Ape-X DPG
(`programs.apex_dpg`, Horgan et al. 2018, with D4PG's distributional critic
of Barth-Maron et al. 2018 as a switch) and DPG-R (`programs.dpg_r`, Popov et
al. 2017). Sources for the defaults: Lillicrap et al. 2016 (DDPG: layer
norm's role played by batch norm there, Polyak 0.001, Gaussian noise works as
well as Ornstein-Uhlenbeck), Fujimoto et al. 2018 and rl-baselines3-zoo
(Pendulum: batch 256, lr 1e-3, tau 0.005). Each field says where it differs.
"""

import dataclasses
from typing import Tuple

from agents.common import config_checks

TARGET_UPDATES = ('polyak', 'hard')


@dataclasses.dataclass(frozen=True)
class DPGConfig:
  """Hyperparameters of deterministic policy gradients; checked on creation."""

  # Run seed; actor i seeds its environments and its noise from (seed, i).
  seed: int = 0

  # --- Acting ---
  # Environments stepped together per actor process (one policy call).
  envs_per_actor: int = 8
  # Gaussian exploration noise: standard deviation as a fraction of half the
  # action range (0.1-0.2 in DDPG/TD3 on [-1, 1] actions). Actions with
  # noise are clipped to the bounds.
  noise_scale: float = 0.2
  # Environment steps of one actor between variable requests (Ape-X: 400).
  variable_update_period: int = 400
  # Transitions an actor collects before one batched insert.
  insert_batch: int = 64

  # --- Replay (Reverb table) ---
  replay_size: int = 200_000
  # Transitions in the table before the learner may sample.
  min_replay_size: int = 1_000
  # Mini-batch updates per environment step (Popov et al.'s replay ratio R;
  # DDPG: 1). The table's rate limiter holds it: each step inserts one
  # transition, so samples per insert = replay_ratio * batch_size. 0 means
  # no ratio: actors and learner run free (Ape-X's paper setting).
  replay_ratio: float = 0.25
  # Prioritized replay (Schaul et al. 2016), as Ape-X DPG.
  prioritized: bool = False
  priority_exponent: float = 0.6
  importance_sampling_exponent: float = 0.4
  priority_epsilon: float = 1e-6

  # --- Learning ---
  # Time-limit truncation is not termination (Pardo et al. 2018): Pendulum
  # and dm_control episodes never terminate, they are cut.
  bootstrap_truncation: bool = True
  # rl-baselines3-zoo: 256. Ape-X DPG on Pendulum needed about as many
  # updates with 128 (1,100-1,500 to -200) at 1.7x the updates/s on two
  # shared cores (benchmarks/results.md).
  batch_size: int = 128
  discount: float = 0.99
  # n-step returns (Ape-X DPG and D4PG: 5; DDPG: 1).
  n_step: int = 3
  # 'polyak': target <- tau online + (1 - tau) target after every update;
  # 'hard': a copy every target_update_period updates (Ape-X DPG: 100).
  target_update: str = 'polyak'
  polyak_tau: float = 0.005
  target_update_period: int = 100
  critic_learning_rate: float = 1e-3
  policy_learning_rate: float = 1e-3
  adam_epsilon: float = 1e-8
  # Global-norm clipping of each network's gradients (D4PG: 40).
  max_gradient_norm: float = 40.0
  # Weight of the mean squared pre-tanh activation of the policy, added to
  # its loss (`agents.dpg.losses.preactivation_penalty`): keeps the tanh out
  # of saturation, where the policy gradient vanishes. 0 turns it off.
  preactivation_penalty: float = 1e-3
  # D4PG's categorical critic (Bellemare et al. 2017): num_atoms atoms on
  # [v_min, v_max], trained by the projected distributional TD target; the
  # policy climbs its mean. Off: a scalar critic and squared TD errors. The
  # support must hold the task's discounted returns (Pendulum, gamma 0.99:
  # about [-1500, 0]).
  distributional: bool = False
  num_atoms: int = 51
  v_min: float = -1500.0
  v_max: float = 0.0

  # --- Networks ---
  # Both MLPs: Linear, LayerNorm, tanh, then ELU layers (D4PG's
  # LayerNormMLP); the policy ends in tanh scaled to the action bounds.
  policy_hidden_sizes: Tuple[int, ...] = (256, 256)
  critic_hidden_sizes: Tuple[int, ...] = (256, 256)

  # --- Evaluation and logging ---
  eval_period_seconds: float = 2.0
  eval_episodes: int = 8
  log_period_seconds: float = 2.0
  # Seconds between checkpoints of the program's stateful nodes.
  checkpoint_period_seconds: float = 60.0
  # Seconds between the variable server's pulls from the learner.
  variable_refresh_seconds: float = 0.1

  def __post_init__(self):
    config_checks.positive_ints(self, (
        'envs_per_actor', 'variable_update_period', 'insert_batch',
        'replay_size', 'min_replay_size', 'batch_size', 'n_step',
        'target_update_period', 'num_atoms', 'eval_episodes'))
    config_checks.unit_interval(self, (
        'discount', 'priority_exponent', 'importance_sampling_exponent'))
    config_checks.non_negative(self, ('noise_scale', 'replay_ratio',
                                      'preactivation_penalty'))
    config_checks.positive(self, (
        'polyak_tau', 'priority_epsilon', 'critic_learning_rate',
        'policy_learning_rate', 'adam_epsilon', 'max_gradient_norm',
        'eval_period_seconds', 'log_period_seconds',
        'checkpoint_period_seconds', 'variable_refresh_seconds'))
    if self.polyak_tau > 1:
      raise ValueError(f'{type(self).__name__}.polyak_tau={self.polyak_tau} '
                       'must lie in (0, 1].')
    config_checks.choice(self, 'target_update', TARGET_UPDATES)
    config_checks.layer_sizes(self, 'policy_hidden_sizes')
    config_checks.layer_sizes(self, 'critic_hidden_sizes')
    if self.min_replay_size > self.replay_size:
      raise ValueError(
          f'{type(self).__name__}.min_replay_size={self.min_replay_size} '
          f'must not exceed replay_size={self.replay_size}.')
    if self.min_replay_size < self.batch_size:
      raise ValueError(
          f'{type(self).__name__}.min_replay_size={self.min_replay_size} '
          f'must be at least batch_size={self.batch_size}.')
    if self.distributional and (self.num_atoms < 2 or
                                not self.v_min < self.v_max):
      raise ValueError(
          f'{type(self).__name__}: the distributional critic needs num_atoms '
          f'>= 2 and v_min < v_max (got {self.num_atoms}, {self.v_min}, '
          f'{self.v_max}).')

  @property
  def samples_per_insert(self) -> float:
    """The replay table's rate (`agents.common.replay_tables`): samples per
    inserted transition, replay_ratio mini-batches per environment step."""
    return self.replay_ratio * self.batch_size


@dataclasses.dataclass(frozen=True)
class ApexDPGConfig(DPGConfig):
  """Ape-X DPG: prioritized replay fed by N actors, each with its own noise.

  Actor i of N explores with Gaussian noise of scale
  noise_scale * (noise_scale_min / noise_scale) ** (i / (N - 1)): a
  geometric ladder from noise_scale (actor 0) down to noise_scale_min, as
  Ape-X's epsilon ladder gives every actor a different exploration rate.
  """

  prioritized: bool = True
  noise_scale: float = 0.4
  noise_scale_min: float = 0.05

  def __post_init__(self):
    super().__post_init__()
    config_checks.non_negative(self, ('noise_scale_min',))
    if self.noise_scale_min > self.noise_scale:
      raise ValueError(
          f'ApexDPGConfig.noise_scale_min={self.noise_scale_min} must not '
          f'exceed noise_scale={self.noise_scale} (the ladder runs down).')
    if not self.prioritized:
      raise ValueError('ApexDPGConfig.prioritized must be True: Ape-X is '
                       'prioritized replay.')


@dataclasses.dataclass(frozen=True)
class DPGRConfig(DPGConfig):
  """DPG-R (Popov et al. 2017): DPG with its data-efficiency switches.

  - replay_ratio R (DPGConfig): mini-batch updates per environment step;
    the paper's 1 (DDPG) to 40. Default 1: plain DDPG.
  - Asynchronous workers (ADPG-R): each of the program's num_actors workers
    acts, learns from its own replay (or a shared one) and pushes gradients
    to the parameter-server shards, as Gorila's learners do.
  - Task design for sparse goals (tasks that take the options, e.g.
    reach_push): a composite (staged) shaping reward, and instructive
    starts. Actors learn with them; the evaluator plays the real task.
  """

  replay_ratio: float = 1.0
  noise_scale: float = 0.2
  # ADPG-R: num_actors workers, each an actor and a learner that pushes
  # gradients to parameter-server shards. Off: N actors feed one learner.
  asynchronous_workers: bool = False
  # Worker i keeps its own replay table ('own') or all share one ('shared').
  replay_sharing: str = 'own'
  num_shards: int = 1
  # A shard drops a gradient computed on parameters older than this many of
  # its updates (Gorila's staleness bound).
  max_staleness: int = 50
  # Worker updates between pulls of the parameters from the shards.
  parameter_pull_period: int = 1
  shaped_reward: bool = False
  instructive_start_probability: float = 0.0

  def __post_init__(self):
    super().__post_init__()
    config_checks.choice(self, 'replay_sharing', ('own', 'shared'))
    config_checks.positive_ints(self, ('num_shards', 'max_staleness',
                                       'parameter_pull_period'))
    config_checks.unit_interval(self, ('instructive_start_probability',))

  @property
  def environment_options(self):
    """The task options the actors' environments take (none if off)."""
    options = {}
    if self.shaped_reward:
      options['shaped_reward'] = True
    if self.instructive_start_probability > 0:
      options['instructive_start_probability'] = (
          self.instructive_start_probability)
    return options
