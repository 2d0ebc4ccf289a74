"""IMPALAConfig: the one home of every IMPALA hyperparameter.

Sources: Espeholt et al. 2018 (IMPALA), Table D.1 and the scalable_agent
release. Where a default differs from the paper it is because the paper tuned
for Atari on many machines and these defaults target the small suites
(Catch, CartPole, MinAtar) on two cores; the field comment says so.
"""

import dataclasses
from typing import Tuple

from agents.common import config_checks
from agents.common import inference_modes

OPTIMIZERS = ('adam', 'rmsprop')
TORSOS = ('auto', 'mlp', 'conv')


@dataclasses.dataclass(frozen=True)
class IMPALAConfig:
  """Hyperparameters of IMPALA; checked on construction."""

  # Run seed; actor i seeds its environments from (seed, i).
  seed: int = 0

  # --- Acting ---
  # Environments stepped together per actor process; one policy call serves
  # them all (not in the paper, whose actors ran one environment each).
  envs_per_actor: int = 32
  # Where actions are computed (agents.common.inference_modes): 'actor',
  # each actor's own policy copy; 'central', TF-free environment workers
  # and one action server answering all of them from one batched call
  # (Stooke & Abbeel 2018, SEED RL; feed-forward networks only).
  inference: str = 'actor'
  # With central inference: 'sync' (a worker waits for its actions) or
  # 'alternating' (half its environments step while the other half's
  # actions are computed).
  central_sampling: str = 'sync'
  # Unroll length n (paper: 20), transitions per queue item.
  unroll_length: int = 20
  # Batched actor steps between variable requests to the variable server
  # (requests run in the background; acme's VariableClient update_period).
  variable_update_period: int = 5

  # --- Queue (Reverb FIFO table) ---
  # Unrolls per learner batch (paper: 32).
  batch_size: int = 32
  # Unrolls the queue holds before actors block (back-pressure). Must exceed
  # batch_size + 1, see __post_init__. Small keeps the policy lag small.
  queue_size: int = 128

  # --- Learning ---
  # Discount gamma (paper: 0.99).
  discount: float = 0.99
  # V-trace truncation rho_bar for the value targets (paper: 1.0). c_bar is
  # fixed at 1.0 by trfl's V-trace op, the paper's default.
  clip_rho_threshold: float = 1.0
  # Truncation of rho in the policy-gradient advantage (paper: 1.0).
  clip_pg_rho_threshold: float = 1.0
  # Weight of the baseline loss (paper: 0.5).
  baseline_cost: float = 0.5
  # Weight of the entropy bonus (paper: 0.01 in the text, 0.00025-0.033 in
  # the sweeps).
  entropy_cost: float = 0.01
  # 'adam' (default here: fastest on the small suites) or 'rmsprop' (paper:
  # RMSProp, decay 0.99, epsilon 0.1, learning rate 0.00048-0.0006).
  optimizer: str = 'adam'
  learning_rate: float = 2e-3
  rmsprop_decay: float = 0.99
  # Adam's epsilon (Sonnet's default).
  adam_epsilon: float = 1e-8
  rmsprop_epsilon: float = 0.1
  # Global-norm gradient clipping (paper: 40).
  max_gradient_norm: float = 40.0
  # Data-parallel learner replicas K (Stooke & Abbeel 2018's multi-GPU
  # learner; agents.common.unroll_learner): each takes batch_size / K
  # unrolls, the gradients are averaged by an all-reduce node and every
  # replica applies the mean. 1: one learner.
  learner_replicas: int = 1

  # --- Network ---
  # 'mlp' for vector observations, 'conv' for boards/images; 'auto' picks by
  # observation rank (rank 3 -> conv).
  torso: str = 'auto'
  # Hidden layer sizes of the MLP torso (and of the layer after the conv).
  hidden_sizes: Tuple[int, ...] = (64, 64)
  # Channels of the single 3x3 conv layer of the conv torso (MinAtar's
  # network uses 16).
  conv_channels: int = 16
  # LSTM core size; 0 means feed-forward (paper: 256 for DMLab, none needed
  # for Catch/CartPole).
  lstm_size: int = 0

  # --- Evaluation and logging ---
  # Seconds between evaluator rounds: it sleeps in between so it does not
  # take CPU from the actors.
  eval_period_seconds: float = 2.0
  # Episodes per evaluator round, played as one batch.
  eval_episodes: int = 32
  # Evaluate the greedy (argmax) policy instead of sampling from it.
  eval_greedy: bool = False
  # Seconds between log lines of a node.
  log_period_seconds: float = 2.0
  # Seconds between checkpoints of the program's stateful nodes (those of
  # learner, counter, replay, parameter servers it has) under
  # <logdir>/checkpoints; each also saves at the stop.
  checkpoint_period_seconds: float = 60.0
  # Seconds between the variable server's pulls from the learner.
  variable_refresh_seconds: float = 0.05

  def __post_init__(self):
    inference_modes.check_config(self, self.envs_per_actor)
    config_checks.positive_ints(self, (
        'envs_per_actor', 'unroll_length', 'batch_size', 'queue_size',
        'conv_channels', 'eval_episodes', 'variable_update_period'))
    config_checks.queue_exceeds_batch(self)
    config_checks.learner_replicas(self)
    config_checks.unit_interval(self, ('discount',))
    config_checks.choice(self, 'optimizer', OPTIMIZERS)
    config_checks.choice(self, 'torso', TORSOS)
    config_checks.non_negative(self, ('lstm_size', 'baseline_cost',
                                      'entropy_cost'))
    config_checks.layer_sizes(self, 'hidden_sizes')
    config_checks.positive(self, (
        'learning_rate', 'max_gradient_norm', 'clip_rho_threshold',
        'clip_pg_rho_threshold', 'eval_period_seconds', 'log_period_seconds',
        'checkpoint_period_seconds',
        'variable_refresh_seconds', 'rmsprop_epsilon', 'adam_epsilon'))
