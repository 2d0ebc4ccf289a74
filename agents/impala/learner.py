"""IMPALA's learner: V-trace actor-critic (`agents.impala.losses`) on
batches of unrolls from the queue, one `tf.function` step per batch; the
update, the serving of variables and data-parallel replicas are
`agents.common.unroll_learner`'s.
"""

from typing import Any, Dict, Iterator, Optional

import tensorflow as tf

from agents.common import unroll_learner
from agents.impala import config as config_lib
from agents.impala import losses
from agents.impala import networks


def unroll_loss(logits: tf.Tensor, values: tf.Tensor,
                data: Dict[str, tf.Tensor],
                config: config_lib.IMPALAConfig) -> Dict[str, tf.Tensor]:
  """IMPALA's loss terms (`unroll_learner.UnrollLoss`)."""
  # logits [T + 1, B, A], values [T + 1, B]: the last entry bootstraps.
  discounts = config.discount * data['discount']  # [T, B]
  return losses.impala_loss(
      behaviour_logits=data['behaviour_logits'], target_logits=logits[:-1],
      actions=data['action'], discounts=discounts, rewards=data['reward'],
      values=values[:-1], bootstrap_value=values[-1], config=config)


class IMPALALearner(unroll_learner.UnrollLearner):
  """Consumes batches of unrolls [B, ...]; see `agents.common.unrolls`."""

  def __init__(self, network: networks.IMPALANetwork,
               iterator: Iterator[Any], config: config_lib.IMPALAConfig,
               counter: Optional[Any] = None, logger: Optional[Any] = None,
               all_reduce: Optional[Any] = None):
    """Creates the learner; arguments as `UnrollLearner`'s (config: loss
    weights, optimizer, clipping)."""
    super().__init__(network, iterator, config, unroll_loss, counter=counter,
                     logger=logger, all_reduce=all_reduce)
