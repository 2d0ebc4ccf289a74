"""A3CConfig: the one home of A3C's and A2C's hyperparameters.

Mnih et al. 2016 ("Asynchronous Methods for Deep RL"), where workers send
gradients, not experience, to a parameter server that applies them with
shared-statistics RMSProp. `synchronous=True` is A2C: the server waits for
one gradient from every worker, averages and applies them. Defaults are
scaled to CartPole/Catch on two cores; comments give the paper's values.
"""

import dataclasses
from typing import Tuple

from agents.common import config_checks
from agents.common import inference_modes

OPTIMIZERS = ('rmsprop', 'adam', 'sgd')
TORSOS = ('auto', 'mlp', 'conv')


@dataclasses.dataclass(frozen=True)
class A3CConfig:
  """A3C/A2C hyperparameters; checked on creation."""

  # Run seed; worker i seeds its environments and sampling from (seed, i).
  seed: int = 0
  # False: A3C, each gradient applied on arrival (no barrier). True: A2C,
  # the server averages one gradient per worker and applies once per round.
  synchronous: bool = False

  # --- Acting ---
  # Environments a worker steps together (paper: 1 per thread; a batch
  # makes one policy call serve many, the gradient averages over them).
  envs_per_worker: int = 8
  # t_max: steps of a rollout before its gradient is pushed (paper: 5 for
  # Atari, 20 in the issue).
  unroll_length: int = 20
  # Where actions are computed (agents.common.inference_modes). 'actor':
  # every worker acts and computes its gradients (A3C, A2C). 'central', A2C
  # only (Stooke & Abbeel 2018): TF-free environment workers, one action
  # server, and one learner applying the same loss to batches of unrolls
  # from a queue (`agents.a3c.learner`); no parameter server.
  inference: str = 'actor'
  # With central inference: 'sync' or 'alternating' (halves of a worker's
  # environments take turns).
  central_sampling: str = 'sync'

  # --- Central inference only: queue, learner, variables ---
  # Unrolls per learner update (16: one per environment of 2 workers).
  batch_size: int = 16
  # Unrolls the queue holds before workers block; > batch_size + 1.
  queue_size: int = 64
  # Data-parallel learner replicas (see IMPALAConfig.learner_replicas).
  learner_replicas: int = 1
  # Batched calls of the action server between variable requests.
  variable_update_period: int = 5
  # Seconds between the variable server's pulls from the learner.
  variable_refresh_seconds: float = 0.05

  # --- Loss ---
  discount: float = 0.99
  # Entropy regularisation beta (paper: 0.01).
  entropy_cost: float = 0.01
  # Weight of the value loss 0.5 (R - V)^2 against the policy gradient.
  baseline_cost: float = 0.5
  # Global-norm gradient clipping on the worker (paper: 40).
  max_gradient_norm: float = 40.0

  # --- Parameter server ---
  # Shared-statistics RMSProp (paper: decay 0.99, epsilon 0.1, lr ~7e-4
  # annealed to 0); 'adam' and 'sgd' for comparison.
  optimizer: str = 'rmsprop'
  learning_rate: float = 2e-3
  rmsprop_decay: float = 0.99
  rmsprop_epsilon: float = 0.1
  adam_epsilon: float = 1e-8
  num_shards: int = 1

  # --- Network (agents.common.actor_critic) ---
  torso: str = 'auto'
  hidden_sizes: Tuple[int, ...] = (64, 64)
  conv_channels: int = 16
  # LSTM core size; 0 is feed-forward (paper: 256 for the LSTM agent).
  lstm_size: int = 0

  # --- Evaluation and logging ---
  eval_period_seconds: float = 2.0
  eval_episodes: int = 16
  # Evaluate the greedy policy instead of sampling.
  eval_greedy: bool = False
  log_period_seconds: float = 2.0
  # Seconds between checkpoints of the program's stateful nodes (those of
  # learner, counter, replay, parameter servers it has) under
  # <logdir>/checkpoints; each also saves at the stop.
  checkpoint_period_seconds: float = 60.0

  def __post_init__(self):
    inference_modes.check_config(self, self.envs_per_worker)
    if self.inference == 'central' and not self.synchronous:
      raise ValueError(
          "A3CConfig.inference='central' is A2C's (synchronous=True, "
          "--program=a2c): with one learner there are no asynchronous "
          "gradients.")
    config_checks.positive_ints(self, (
        'envs_per_worker', 'unroll_length', 'num_shards', 'conv_channels',
        'eval_episodes', 'batch_size', 'queue_size',
        'variable_update_period'))
    config_checks.queue_exceeds_batch(self)
    config_checks.learner_replicas(self)
    if self.inference != 'central' and self.learner_replicas > 1:
      raise ValueError(
          f'A3CConfig.learner_replicas={self.learner_replicas} needs '
          "inference='central': without it the workers compute the "
          'gradients and there is no learner to replicate.')
    config_checks.unit_interval(self, ('discount',))
    config_checks.positive(self, (
        'learning_rate', 'rmsprop_epsilon', 'adam_epsilon',
        'max_gradient_norm', 'eval_period_seconds', 'log_period_seconds',
        'checkpoint_period_seconds', 'variable_refresh_seconds'))
    config_checks.non_negative(self, ('entropy_cost', 'baseline_cost',
                                      'lstm_size'))
    config_checks.decay(self, 'rmsprop_decay')
    config_checks.choice(self, 'optimizer', OPTIMIZERS)
    config_checks.choice(self, 'torso', TORSOS)
    config_checks.layer_sizes(self, 'hidden_sizes')


@dataclasses.dataclass(frozen=True)
class A2CConfig(A3CConfig):
  """A2C: A3CConfig with the synchronous switch on (`--program=a2c`)."""

  synchronous: bool = True
