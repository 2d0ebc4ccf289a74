"""The AlphaZero learner: uniform batches of (observation, legal mask,
search policy, outcome) from replay; loss = cross-entropy of the network's
legal-move policy to the search policy + (z - v)^2 + l2_weight * sum of the
squared weight matrices; Adam, at a constant rate or decaying linearly
(`learning_rate_decay_steps`). The row's 'outcome' is the value target z
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


def learning_rate(config: config_lib.AlphaZeroConfig, step: Any) -> Any:
  """The rate of update `step` (0-based; a number or a tensor): linear
  from config.learning_rate to config.final_learning_rate over
  config.learning_rate_decay_steps updates, then constant."""
  if not config.learning_rate_decay_steps:
    return config.learning_rate
  fraction = step / config.learning_rate_decay_steps
  fraction = (tf.minimum(fraction, 1.0) if tf.is_tensor(fraction)
              else min(fraction, 1.0))
  return config.learning_rate + fraction * (config.final_learning_rate -
                                            config.learning_rate)


class AlphaZeroLearner(replay_learner.ReplayLearner):
  """Steps on batches sampled from the self-play table."""

  def __init__(self, network: Any, iterator: Iterator[Any],
               config: config_lib.AlphaZeroConfig,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    super().__init__(iterator, config.batch_size, None, counter, logger)
    self._network = network
    self._config = config
    # A variable only when it changes: constant-rate checkpoints keep
    # their old contents.
    self._learning_rate = (tf.Variable(config.learning_rate, dtype=tf.float32,
                                       trainable=False, name='learning_rate')
                           if config.learning_rate_decay_steps else None)
    self._optimizer = snt.optimizers.Adam(
        self._learning_rate if self._learning_rate is not None
        else config.learning_rate)

  @tf.function
  def _update(self, data: Dict[str, tf.Tensor]) -> Dict[str, tf.Tensor]:
    variables = self._network.trainable_variables
    with tf.GradientTape() as tape:
      metrics = losses(self._network, data, self._config.l2_weight)
    gradients = tape.gradient(metrics['loss'], variables)
    if self._learning_rate is not None:
      self._learning_rate.assign(learning_rate(
          self._config, tf.cast(self._num_steps, tf.float32)))
      metrics['learning_rate'] = tf.identity(self._learning_rate)
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
