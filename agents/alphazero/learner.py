"""The AlphaZero learner: uniform batches of (observation, legal mask,
search policy, outcome) from replay; loss = cross-entropy of the network's
legal-move policy to the search policy + (z - v)^2 + l2_weight * sum of the
squared weight matrices; Adam. The row's 'outcome' is the value target z
(mixed with the search's value if `search_value_weight` > 0)."""

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import reverb
import sonnet as snt
import tensorflow as tf

from agents.alphazero import config as config_lib
from agents.alphazero import network as network_lib
from agents.alphazero import self_play
from agents.common import replay_learner


def signature(observation_size: int, num_actions: int) -> Dict[str, Any]:
  """One replay item's signature (self_play.game_items' rows)."""
  return {
      'observation': tf.TensorSpec([observation_size], tf.float32),
      'legal': tf.TensorSpec([num_actions], tf.float32),
      'policy': tf.TensorSpec([num_actions], tf.float32),
      'outcome': tf.TensorSpec([], tf.float32),
  }


def losses(network: Any, data: Dict[str, tf.Tensor], l2_weight: float
           ) -> Dict[str, tf.Tensor]:
  """'loss' and its parts for a batch (tensors of `signature`)."""
  logits, value = network(data['observation'])
  logits = tf.where(data['legal'] > 0, logits, network_lib.NEG_INF)
  policy_loss = -tf.reduce_mean(tf.reduce_sum(
      data['policy'] * tf.nn.log_softmax(logits), axis=-1))
  value_loss = tf.reduce_mean(tf.square(data['outcome'] - value))
  l2 = tf.add_n([tf.reduce_sum(tf.square(layer.w))
                 for layer in network.layers()])
  return {'loss': policy_loss + value_loss + l2_weight * l2,
          'policy_loss': policy_loss, 'value_loss': value_loss, 'l2': l2}


class AlphaZeroLearner(replay_learner.ReplayLearner):
  """Steps on batches sampled from the self-play table."""

  def __init__(self, network: Any, iterator: Iterator[Any],
               config: config_lib.AlphaZeroConfig,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    super().__init__(iterator, config.batch_size, None, counter, logger)
    self._network = network
    self._config = config
    self._optimizer = snt.optimizers.Adam(config.learning_rate)

  @tf.function
  def _update(self, data: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
    variables = self._network.trainable_variables
    with tf.GradientTape() as tape:
      metrics = losses(self._network, data, self._config.l2_weight)
    gradients = tape.gradient(metrics['loss'], variables)
    self._optimizer.apply(gradients, variables)
    self._count_step()
    return metrics

  def learn_from(self, sample: reverb.ReplaySample
                 ) -> Tuple[Dict[str, float], Optional[np.ndarray]]:
    metrics = self._update(sample.data)
    return {k: float(v.numpy()) for k, v in metrics.items()}, None

  def _count_step(self) -> Any:
    return self._num_steps.assign_add(1)

  @property
  def state(self) -> Dict[str, Any]:
    return {'network': self._network, 'optimizer': self._optimizer,
            'num_steps': self._num_steps}

  def get_variables(self, names: Sequence[str]) -> List[List[np.ndarray]]:
    return [self._network.weights() for name in names
            if name in self_play.VARIABLE_NAMES]
