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

from typing import Any, Dict, Iterator, List, Optional, Tuple

import numpy as np
import tensorflow as tf

from agents.common import parameter_server
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
    self._parameters = parameters
    # Every learner offers the seeded initial weights; the first one wins.
    parameters.initialize(weights.get_weights(network))
    self._versions: List[int] = []
    self._pull(update_target=True)
    self.pushed = 0
    self.dropped = 0

  def _pull(self, update_target: bool) -> None:
    self._set(*self._parameters.pull(), update_target=update_target)

  def _set(self, arrays: List[np.ndarray], versions: List[int],
           update_target: bool) -> None:
    self._versions = versions
    weights.set_weights(self._network, arrays)
    if update_target:
      weights.set_weights(self._target_network, arrays)

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
    applied, pulled = self._parameters.push(
        [g.numpy() for g in gradients], self._versions, pull=pull)
    self.pushed += 1
    stale = not all(applied)
    self.dropped += stale
    if pulled is not None:
      self._set(*pulled, update_target=refresh_target)
    elif stale:  # Catch up before computing on parameters that old again.
      self._pull(update_target=False)
    return {k: float(v) for k, v in metrics.items()}, priority.numpy()

  def _extra_metrics(self) -> Dict[str, float]:
    return {'gradients_dropped': self.dropped,
            'gradients_dropped_fraction': self.dropped / max(self.pushed, 1)}
