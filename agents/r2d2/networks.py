"""R2D2's recurrent Q-network: torso, LSTM core, plain or dueling head.

The actor calls `step` on one batch of observations; the learner calls
`unroll` on time-major sequences from the state the actor stored. Both reset
the state where an episode starts (`agents.common.networks.ResetCore`).
"""

from typing import Sequence, Tuple

import sonnet as snt
import tensorflow as tf

from agents.common import networks
from agents.common import weights
from agents.r2d2 import config as config_lib

State = snt.LSTMState


class RecurrentQNetwork(snt.Module):
  """Q-values [.., A] from observations, through an LSTM."""

  def __init__(self, observation_shape: Sequence[int], num_actions: int,
               config: config_lib.R2D2Config):
    super().__init__(name='recurrent_q_network')
    self._torso = networks.make_torso(
        observation_shape, config.torso, config.hidden_sizes,
        config.conv_channels, owner='R2D2Config')
    self._core = networks.ResetCore(config.lstm_size)
    self._advantage = snt.Linear(num_actions, name='advantage')
    self._value = (snt.Linear(1, name='value') if config.dueling else None)
    self.observation_shape = tuple(observation_shape)
    self.num_actions = num_actions
    self.lstm_size = config.lstm_size

  def initial_state(self, batch_size: int) -> State:
    return self._core.initial_state(batch_size)

  def _head(self, embedding: tf.Tensor) -> tf.Tensor:
    advantage = self._advantage(embedding)  # [N, A]
    if self._value is None:
      return advantage
    # Wang et al. 2016, eq. 9: Q = V + A - mean_a A.
    return self._value(embedding) + advantage - tf.reduce_mean(
        advantage, axis=-1, keepdims=True)

  def step(self, observation: tf.Tensor, first: tf.Tensor,
           state: State) -> Tuple[tf.Tensor, State]:
    """observation [B, ...], first [B] -> (Q-values [B, A], next state)."""
    observation = tf.convert_to_tensor(observation)
    embedding, state = self._core.step(self._torso(observation), first, state)
    return self._head(embedding), state

  def unroll(self, observation: tf.Tensor, first: tf.Tensor,
             state: State) -> Tuple[tf.Tensor, State]:
    """observation [T, B, ...], first [T, B] -> (Q [T, B, A], final state).

    T must be static (it is: sequences have a fixed length).
    """
    observation = tf.convert_to_tensor(observation)
    t, b = observation.shape[0], tf.shape(observation)[1]
    flat = tf.reshape(observation,
                      tf.concat([[t * b], tf.shape(observation)[2:]], 0))
    embedding = tf.reshape(self._torso(flat), [t, b, -1])  # [T, B, E]
    outputs, state = self._core.unroll(embedding, first, state)  # [T, B, H]
    q_values = self._head(tf.reshape(outputs, [t * b, self.lstm_size]))
    return tf.reshape(q_values, [t, b, self.num_actions]), state


def make_network(observation_shape: Sequence[int], num_actions: int,
                 config: config_lib.R2D2Config) -> RecurrentQNetwork:
  """The network with its variables created and seeded from config.seed, so
  that every node starts from the same weights."""
  network = RecurrentQNetwork(observation_shape, num_actions, config)
  network.step(tf.zeros((1,) + tuple(observation_shape), tf.float32),
               tf.ones([1], tf.bool), network.initial_state(1))
  weights.initialize_from_seed(network, config.seed)
  return network
