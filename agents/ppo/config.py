"""PPOConfig: the one home of every PPO hyperparameter.

Sources: Schulman et al. 2017 (PPO, Table 3 and 5: clip 0.1-0.2, GAE lambda
0.95, 3-10 epochs of minibatches, Adam, linear annealing) and Stooke &
Abbeel 2018 (synchronous and asynchronous sampling, large batches). The
defaults are tuned for CartPole/Catch on two cores; a comment says where a
default differs from the paper and why.
"""

import dataclasses
from typing import Tuple

from agents.common import config_checks
from agents.common import inference_modes

TORSOS = ('auto', 'mlp', 'conv')
LEARNING_RATE_SCALINGS = ('none', 'linear', 'sqrt')


@dataclasses.dataclass(frozen=True)
class PPOConfig:
  """PPO hyperparameters; checked on creation."""

  # Run seed; actor i seeds its environments and sampling from (seed, i),
  # the learner its minibatch shuffles from seed.
  seed: int = 0
  # True (`--program=ppo`): synchronous sampling. Every actor writes one
  # unroll per environment, then waits for the policy the learner makes
  # from them; each batch is exactly one unroll of every environment, all
  # from the current policy (Stooke & Abbeel's sync mode). False
  # (`--program=appo`): asynchronous sampling. Actors never wait for the
  # learner; it trains on the queue's unrolls, made by policies a few
  # iterations old, with the clipped ratio against the policy that acted.
  synchronous: bool = True

  # --- Acting ---
  # Environments stepped together per actor process (one policy call each).
  envs_per_actor: int = 16
  # Where actions are computed (agents.common.inference_modes): 'actor',
  # each actor's own policy copy; 'central', TF-free environment workers
  # and one action server answering all of them from one batched call
  # (Stooke & Abbeel 2018, SEED RL; feed-forward networks only).
  inference: str = 'actor'
  # With central inference: 'sync' (a worker waits for its actions) or
  # 'alternating' (half its environments step while the other half's
  # actions are computed).
  central_sampling: str = 'sync'
  # Steps per unroll (paper: T = 128 on Atari with 8 actors, 2048 on MuJoCo
  # with 1); short unrolls make more, fresher batches on CartPole.
  unroll_length: int = 32
  # Asynchronous mode: batched actor steps between variable requests.
  variable_update_period: int = 1

  # --- Batches ---
  # Asynchronous mode: unrolls per learner iteration. Synchronous mode takes
  # one unroll per environment instead: num_actors * envs_per_actor.
  batch_size: int = 32
  # Asynchronous mode: unrolls the queue holds before actors block; must
  # exceed batch_size + 1 (the queue deadlocks otherwise). Synchronous
  # mode sizes its queue to one batch.
  queue_size: int = 96
  # Passes over each batch (paper: 3 on Atari, 10 on MuJoCo).
  num_epochs: int = 4
  # Minibatches per pass; the batch's unrolls are shuffled and split
  # (paper: 4 on Atari, i.e. 256 transitions per minibatch).
  num_minibatches: int = 4

  # --- Loss ---
  discount: float = 0.99
  # GAE(lambda) (paper: 0.95).
  gae_lambda: float = 0.95
  # epsilon of the clipped surrogate (paper: 0.1 Atari, 0.2 MuJoCo).
  clip_epsilon: float = 0.2
  # Clip of the value prediction around the batch's old values, as OpenAI
  # baselines' PPO2 does; 0 turns it off (default: off; on CartPole, whose
  # returns reach ~100, a clip of 0.2 slows the value function down).
  value_clip: float = 0.0
  # Weight c1 of the value loss 0.5 (V - R)^2 (paper: 1 on Atari, with a
  # shared network; 0.5 with the 0.5 inside, the same gradient).
  value_cost: float = 1.0
  # Weight c2 of the entropy bonus (paper: 0.01).
  entropy_cost: float = 0.01
  # Normalise advantages to mean 0, std 1 per minibatch (baselines' PPO2).
  normalize_advantages: bool = True
  # Global-norm gradient clipping (baselines' PPO2: 0.5).
  max_gradient_norm: float = 0.5
  # Data-parallel learner replicas K (see IMPALAConfig.learner_replicas):
  # each takes 1/K of every iteration's unrolls and every minibatch's
  # gradients are averaged over the replicas. Advantages are normalised
  # over each replica's part of a minibatch.
  learner_replicas: int = 1

  # --- Optimizer (Adam) ---
  # Learning rate for a batch of reference_batch_steps transitions (paper:
  # 2.5e-4 on Atari, 3e-4 on MuJoCo; higher here for CartPole's small net).
  learning_rate: float = 1e-3
  adam_epsilon: float = 1e-5
  # How the learning rate follows the batch's size in transitions, against
  # reference_batch_steps (Stooke & Abbeel scale it up for large batches;
  # 'sqrt' keeps the update's noise scale, 'linear' its size per sample).
  learning_rate_scaling: str = 'none'
  reference_batch_steps: int = 1024
  # Learner iterations over which the learning rate and clip_epsilon fall
  # linearly to 0 (the paper's annealing); 0 keeps them constant.
  anneal_iterations: int = 0

  # --- Network (agents.common.actor_critic, shared by policy and value) ---
  torso: str = 'auto'
  hidden_sizes: Tuple[int, ...] = (64, 64)
  conv_channels: int = 16
  # LSTM core size; 0 is feed-forward. Minibatches split by unrolls, so an
  # LSTM replays each unroll from its stored start state.
  lstm_size: int = 0

  # --- Evaluation and logging ---
  eval_period_seconds: float = 2.0
  eval_episodes: int = 32
  # Evaluate the greedy policy instead of sampling from it.
  eval_greedy: bool = False
  log_period_seconds: float = 2.0
  # Seconds between checkpoints of the program's stateful nodes under
  # <logdir>/checkpoints; each also saves at the stop.
  checkpoint_period_seconds: float = 60.0
  # Asynchronous mode: seconds between the variable server's pulls.
  variable_refresh_seconds: float = 0.05

  def __post_init__(self):
    inference_modes.check_config(self, self.envs_per_actor)
    config_checks.positive_ints(self, (
        'envs_per_actor', 'unroll_length', 'variable_update_period',
        'batch_size', 'queue_size', 'num_epochs', 'num_minibatches',
        'reference_batch_steps', 'conv_channels', 'eval_episodes',
        'learner_replicas'))
    if not self.synchronous:
      config_checks.queue_exceeds_batch(self)
    config_checks.unit_interval(self, ('discount', 'gae_lambda'))
    config_checks.positive(self, (
        'clip_epsilon', 'learning_rate', 'adam_epsilon', 'max_gradient_norm',
        'eval_period_seconds', 'log_period_seconds',
        'checkpoint_period_seconds', 'variable_refresh_seconds'))
    config_checks.non_negative(self, (
        'value_clip', 'value_cost', 'entropy_cost', 'anneal_iterations',
        'lstm_size'))
    config_checks.choice(self, 'torso', TORSOS)
    config_checks.choice(self, 'learning_rate_scaling',
                         LEARNING_RATE_SCALINGS)
    config_checks.layer_sizes(self, 'hidden_sizes')

  def iteration_unrolls(self, num_actors: int) -> int:
    """Unrolls the learner takes per iteration with `num_actors` actors."""
    if self.synchronous:
      return num_actors * self.envs_per_actor
    return self.batch_size

  def scaled_learning_rate(self, batch_steps: int) -> float:
    """The learning rate for batches of `batch_steps` transitions."""
    ratio = batch_steps / self.reference_batch_steps
    if self.learning_rate_scaling == 'linear':
      return self.learning_rate * ratio
    if self.learning_rate_scaling == 'sqrt':
      return self.learning_rate * ratio ** 0.5
    return self.learning_rate


@dataclasses.dataclass(frozen=True)
class APPOConfig(PPOConfig):
  """Asynchronous PPO: PPOConfig with sampling that never waits for the
  learner (`--program=appo`, RLlib's name for it)."""

  synchronous: bool = False
