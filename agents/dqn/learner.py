"""The DQN family's learner: samples transitions from replay, takes one
gradient step on the (importance-weighted) loss of `agents.dqn.losses`,
writes the new priorities back to the table, and copies the online network
into the target network every `target_update_period` updates.
"""

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from agents.common import optimizers
from agents.common import priorities
from agents.common import replay_learner
from agents.common import replay_samples
from agents.common import weights
from agents.dqn import config as config_lib
from agents.dqn import losses
from agents.dqn import networks

class DQNLoss:
  """The loss and its clipped gradients for an online/target network pair.

  Shared by the learner that applies its gradients (`DQNLearner`) and the
  one that sends them to a parameter server (`agents.dqn.gorila_learner`).
  """

  def __init__(self, network: networks.QNetwork,
               target_network: networks.QNetwork,
               config: config_lib.DQNConfig):
    self.network = network
    self.target_network = target_network
    self.config = config

  def __call__(self, data: Dict[str, Any], probability: tf.Tensor,
               table_size: tf.Tensor) -> Tuple[tf.Tensor, Dict[str, tf.Tensor],
                                               tf.Tensor]:
    """(scalar loss, metrics, priorities [B]) of a batch of transitions."""
    config = self.config
    observations = tf.concat([data['observation'], data['next_observation']],
                             axis=0)  # One online pass for both.
    online = self.network(observations)
    b = tf.shape(data['observation'])[0]
    split = lambda out: (networks.QOutput(*[None if x is None else x[:b]
                                            for x in out]),
                         networks.QOutput(*[None if x is None else x[b:]
                                            for x in out]))
    online_tm1, online_t = split(online)
    target_t = self.target_network(data['next_observation'])
    out = losses.q_learning_loss(online_tm1, online_t, target_t, data, config,
                                 atoms=self.network.atoms)
    loss = priorities.weighted_mean(out.loss, probability, table_size, config)
    metrics = {'loss': loss,
               'q_mean': tf.reduce_mean(online_tm1.q_values),
               'priority_mean': tf.reduce_mean(out.priority)}
    return loss, metrics, out.priority

  def gradients(self, data: Dict[str, Any], probability: tf.Tensor,
                table_size: tf.Tensor) -> Tuple[List[tf.Tensor],
                                                Dict[str, tf.Tensor],
                                                tf.Tensor]:
    """Global-norm-clipped gradients, metrics, priorities."""
    variables = self.network.trainable_variables
    with tf.GradientTape() as tape:
      loss, metrics, priority = self(data, probability, table_size)
    gradients = tape.gradient(loss, variables)
    gradients, norm = tf.clip_by_global_norm(gradients,
                                             self.config.max_gradient_norm)
    metrics['gradient_norm'] = norm
    return gradients, metrics, priority


class DQNLearner(replay_learner.ReplayLearner):
  """Consumes batches of transitions [B, ...]; see `agents.dqn.transitions`.

  The loss is the class attribute LOSS: R2D2's learner is this one with its
  sequence loss (`agents.r2d2.learner`).
  """

  LOSS = DQNLoss

  def __init__(self, network: networks.QNetwork,
               target_network: networks.QNetwork, iterator: Iterator[Any],
               config: config_lib.DQNConfig,
               priority_writer: Optional[replay_samples.PriorityWriter] = None,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    """Creates the learner.

    Args:
      network: the online network, trained in place.
      target_network: same architecture; overwritten from `network` now and
        every config.target_update_period updates.
      iterator: yields reverb.ReplaySample batches (info and data).
      config: loss, optimizer and replay options.
      priority_writer: where new priorities go (prioritized replay).
      counter: has `increment(**counts)`.
      logger: has `write(dict)`; called every step (it throttles itself).
    """
    super().__init__(iterator, config.batch_size,
                     priority_writer=priority_writer, counter=counter,
                     logger=logger)
    self._loss = self.LOSS(network, target_network, config)
    self._network = network
    self._target_network = target_network
    self._config = config
    # Slots made now, not inside the first step: a tf.function that creates
    # variables is traced twice (R2D2's step: 4.3 s of start-up -> 2.1 s),
    # and a checkpoint restored before the first step must find them.
    self._optimizer = optimizers.make_sonnet_optimizer(
        config, network.trainable_variables)
    self.update_target()

  # No autograph: the step has no tensor-dependent Python control flow,
  # and converting sonnet's and trfl's code took most of the trace time.
  @tf.function(autograph=False)
  def _step(self, data, probability, table_size):
    gradients, metrics, priority = self._loss.gradients(data, probability,
                                                        table_size)
    self._optimizer.apply(gradients, self._network.trainable_variables)
    return metrics, priority

  @tf.function
  def _copy_to_target(self):
    for source, target in zip(self._network.variables,
                              self._target_network.variables):
      target.assign(source)

  def update_target(self) -> None:
    """Copies the online network's variables into the target network."""
    self._copy_to_target()

  def learn_from(self, sample: Any) -> Tuple[Dict[str, float], np.ndarray]:
    """One update on a ReplaySample; returns metrics and new priorities."""
    _, probability, table_size = replay_samples.sample_info(sample)
    metrics, priority = self._step(sample.data, probability, table_size)
    if self._count_step() % self._config.target_update_period == 0:
      self.update_target()
    return {k: float(v) for k, v in metrics.items()}, priority.numpy()

  def get_variables(self, names: Sequence[str]) -> List[List[np.ndarray]]:
    """The online network's weights for each name asked."""
    return [weights.get_weights(self._network) for _ in names]

  @property
  def state(self) -> Dict[str, Any]:
    """What a checkpoint keeps (acme's TFSaveable): both networks, the
    optimizer with its slots, the update count."""
    return {'network': self._network, 'target_network': self._target_network,
            'optimizer': self._optimizer, 'num_steps': self._num_steps}

  def save(self) -> Dict[str, List[np.ndarray]]:
    return {'network': weights.get_weights(self._network),
            'target_network': weights.get_weights(self._target_network)}

  def restore(self, state: Dict[str, List[np.ndarray]]) -> None:
    weights.set_weights(self._network, state['network'])
    weights.set_weights(self._target_network, state['target_network'])

