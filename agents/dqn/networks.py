"""The DQN family's Q-network: shared torso, then a plain, dueling or
categorical (C51) head.

`__call__` returns `QOutput(q_values [B, A], logits [B, A, atoms] or None)`:
every consumer (actor, learner, priorities) reads Q-values from the same
place, and the distributional loss reads the logits.
"""

from typing import NamedTuple, Optional, Sequence

import numpy as np
import sonnet as snt
import tensorflow as tf

from agents.common import networks
from agents.common import weights
from agents.dqn import config as config_lib


class QOutput(NamedTuple):
  q_values: tf.Tensor  # [B, A]
  logits: Optional[tf.Tensor]  # [B, A, num_atoms] for C51, else None.


class QNetwork(snt.Module):
  """Q-values (and C51 logits) from a batch of observations."""

  def __init__(self, observation_shape: Sequence[int], num_actions: int,
               config: config_lib.DQNConfig):
    super().__init__(name='q_network')
    self._torso = networks.make_torso(
        observation_shape, config.torso, config.hidden_sizes,
        config.conv_channels, owner=type(config).__name__)
    self._dueling = config.dueling
    self._num_atoms = config.num_atoms if config.distributional else 1
    self._distributional = config.distributional
    self._advantage = snt.Linear(num_actions * self._num_atoms,
                                 name='advantage')
    if self._dueling:
      self._value = snt.Linear(self._num_atoms, name='value')
    # C51's support, z_i = v_min + i (v_max - v_min) / (num_atoms - 1).
    self.atoms = tf.constant(
        np.linspace(config.v_min, config.v_max, config.num_atoms),
        tf.float32) if self._distributional else None
    self.observation_shape = tuple(observation_shape)
    self.num_actions = num_actions

  def __call__(self, observation: tf.Tensor) -> QOutput:
    embedding = self._torso(observation)
    b, a, z = tf.shape(embedding)[0], self.num_actions, self._num_atoms
    advantage = tf.reshape(self._advantage(embedding), [b, a, z])
    if self._dueling:  # Wang et al. 2016, eq. 9 (per atom for C51).
      value = tf.reshape(self._value(embedding), [b, 1, z])
      advantage = value + advantage - tf.reduce_mean(
          advantage, axis=1, keepdims=True)
    if not self._distributional:
      return QOutput(q_values=advantage[..., 0], logits=None)
    probabilities = tf.nn.softmax(advantage, axis=-1)
    return QOutput(q_values=tf.reduce_sum(probabilities * self.atoms, -1),
                   logits=advantage)


def make_network(observation_shape: Sequence[int], num_actions: int,
                 config: config_lib.DQNConfig) -> QNetwork:
  """The network with its variables created and seeded from config.seed.

  Every node builds the same initial weights (actors act before the learner
  first answers; Gorila's learners agree on the parameter server's start).
  """
  network = QNetwork(observation_shape, num_actions, config)
  network(tf.zeros((1,) + tuple(observation_shape), tf.float32))
  weights.initialize_from_seed(network, config.seed)
  return network
