"""Gorila's learner (Nair et al. 2015): computes DQN gradients against its
own target network and sends them to the parameter server instead of
applying them.

Per update: pull the parameters every `parameter_pull_period` updates (in
the same round trip as the push, and after a dropped gradient), refresh the target network from the pulled
parameters every `target_update_period` updates, sample a batch, compute
the clipped gradients of `agents.dqn.learner.DQNLoss`, push them to the
shards (which drop them if the parameters they were computed on are more
than `max_staleness` updates old), and write priorities back if replay is
prioritized.
"""

from typing import Any, Dict, Iterator, Optional, Tuple

import numpy as np
import tensorflow as tf

from agents.common import parameter_server
from agents.common import remote_network
from agents.common import replay_samples
from agents.common import weights
from agents.dqn import config as config_lib
from agents.dqn import learner as learner_lib
from agents.dqn import networks


class GorilaLearner(learner_lib.DQNLearner):
  """A DQN learner whose updates happen on the parameter server.

  Sampling, priority write-back, counting and logging are DQNLearner's;
  `learn_from` sends the gradients away instead of applying them.
  """

  def __init__(self, network: networks.QNetwork,
               target_network: networks.QNetwork, iterator: Iterator[Any],
               config: config_lib.GorilaConfig,
               parameters: parameter_server.ShardedParameters,
               priority_writer: Optional[replay_samples.PriorityWriter] = None,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    super().__init__(network, target_network, iterator, config,
                     priority_writer=priority_writer, counter=counter,
                     logger=logger)
    # Pulls the shards' start into the online and target networks.
    self._remote = remote_network.RemoteNetwork(network, parameters)
    weights.set_weights(target_network, weights.get_weights(network))

  # No autograph, as DQNLearner._step: the same loss, and converting
  # sonnet's and trfl's code was most of the first step's trace time.
  @tf.function(autograph=False)
  def _gradients(self, data, probability, table_size):
    return self._loss.gradients(data, probability, table_size)

  def learn_from(self, sample: Any) -> Tuple[Dict[str, float], np.ndarray]:
    """Computes and pushes the gradients of one batch.

    Returns:
      Metrics, and the batch's new priorities.
    """
    _, probability, table_size = replay_samples.sample_info(sample)
    gradients, metrics, priority = self._gradients(sample.data, probability,
                                                   table_size)
    num_steps = self._count_step()
    config = self._config
    refresh_target = num_steps % config.target_update_period == 0
    pull = refresh_target or num_steps % config.parameter_pull_period == 0
    pulled = self._remote.push(gradients, pull=pull)
    if pulled is not None and refresh_target:
      weights.set_weights(self._target_network, pulled)
    return {k: float(v) for k, v in metrics.items()}, priority.numpy()

  def _extra_metrics(self) -> Dict[str, float]:
    return {'gradients_dropped': self._remote.dropped,
            'gradients_dropped_fraction': self._remote.dropped_fraction}
