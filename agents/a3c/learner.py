"""A2C's learner under central inference (Stooke & Abbeel 2018's A2C): the
advantage actor-critic loss of the workers (`agents.a3c.losses.unroll_loss`)
applied by one learner to batches of unrolls from the queue, as IMPALA's
learner applies V-trace; the update, serving and data-parallel replicas are
`agents.common.unroll_learner`'s. No off-policy correction: the unrolls
come from the action server's copy of the policy, refreshed every
`variable_update_period` batched calls (the paper's asynchronous mode).
"""

from typing import Any, Iterator, Optional

from agents.a3c import config as config_lib
from agents.a3c import losses
from agents.common import actor_critic
from agents.common import unroll_learner


class A2CLearner(unroll_learner.UnrollLearner):
  """Consumes batches of unrolls [B, ...]; see `agents.common.unrolls`."""

  def __init__(self, network: actor_critic.ActorCriticNetwork,
               iterator: Iterator[Any], config: config_lib.A3CConfig,
               counter: Optional[Any] = None, logger: Optional[Any] = None,
               all_reduce: Optional[Any] = None):
    """Creates the learner; arguments as `UnrollLearner`'s (config: loss
    weights, shared optimizer fields, batch_size)."""
    super().__init__(network, iterator, config, losses.unroll_loss,
                     counter=counter, logger=logger, all_reduce=all_reduce)
