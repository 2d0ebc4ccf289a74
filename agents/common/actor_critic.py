"""The actor-critic network of IMPALA and A3C: torso, optional LSTM core,
policy and value heads.

The actor calls `step` on one batch of observations; the learner calls
`unroll` on a time-major batch of unrolls. Both reset the recurrent state
where `first` is True (`agents.common.networks.ResetCore`), so the state the
actor recorded at the start of an unroll reproduces its own logits on the
learner.
"""

from typing import Any, Sequence, Tuple

import sonnet as snt
import tensorflow as tf

from agents.common import networks
from agents.common import weights

State = Any  # snt.LSTMState or () for a feed-forward network.


class ActorCriticNetwork(snt.Module):
  """Policy logits and baseline value from observations."""

  def __init__(self, observation_shape: Sequence[int], num_actions: int,
               config: Any):
    """`config` has torso, hidden_sizes, conv_channels and lstm_size (0: no
    LSTM), as IMPALAConfig and A3CConfig do."""
    super().__init__(name='actor_critic_network')
    self._torso = networks.make_torso(
        observation_shape, config.torso, config.hidden_sizes,
        config.conv_channels, owner=type(config).__name__)
    self._core = (networks.ResetCore(config.lstm_size) if config.lstm_size
                  else None)
    self._policy_head = snt.Linear(num_actions, name='policy')
    self._baseline_head = snt.Linear(1, name='baseline')
    self.observation_shape = tuple(observation_shape)
    self.num_actions = num_actions

  def initial_state(self, batch_size: int) -> State:
    if self._core is None:
      return ()
    return self._core.initial_state(batch_size)

  def _heads(self, embedding: tf.Tensor) -> Tuple[tf.Tensor, tf.Tensor]:
    logits = self._policy_head(embedding)  # [N, A]
    value = tf.squeeze(self._baseline_head(embedding), axis=-1)  # [N]
    return logits, value

  def step(self, observation: tf.Tensor, first: tf.Tensor,
           state: State) -> Tuple[Tuple[tf.Tensor, tf.Tensor], State]:
    """One time step for a batch.

    Args:
      observation: [B, ...] float32.
      first: [B] bool, True where `observation` starts an episode.
      state: recurrent state before this step ([B, H] each, or ()).

    Returns:
      ((logits [B, A], value [B]), next state).
    """
    embedding = self._torso(observation)  # [B, E]
    if self._core is not None:
      embedding, state = self._core.step(embedding, first, state)
    return self._heads(embedding), state

  def unroll(self, observation: tf.Tensor, first: tf.Tensor,
             state: State) -> Tuple[tf.Tensor, tf.Tensor, State]:
    """A time-major unroll.

    Args:
      observation: [T, B, ...] float32.
      first: [T, B] bool.
      state: recurrent state at the start ([B, H] each, or ()).

    Returns:
      logits [T, B, A], values [T, B], final state.
    """
    t, b = observation.shape[0], observation.shape[1]
    flat = tf.reshape(observation, [t * b] + list(observation.shape[2:]))
    embedding = self._torso(flat)  # [T * B, E]
    if self._core is not None:
      embedding, state = self._core.unroll(
          tf.reshape(embedding, [t, b, -1]), first, state)  # [T, B, H]
      embedding = tf.reshape(embedding, [t * b, -1])
    logits, values = self._heads(embedding)
    return (tf.reshape(logits, [t, b, self.num_actions]),
            tf.reshape(values, [t, b]), state)


def make_network(observation_shape: Sequence[int], num_actions: int,
                 config: Any) -> ActorCriticNetwork:
  """Returns the network with its variables created (one call on zeros).

  The initial weights depend only on `config.seed`, so every node builds the
  same network: actors can act before the learner has answered once.
  """
  network = ActorCriticNetwork(observation_shape, num_actions, config)
  zeros = tf.zeros((1,) + tuple(observation_shape), tf.float32)
  network.step(zeros, tf.ones([1], tf.bool), network.initial_state(1))
  weights.initialize_from_seed(network, config.seed)
  return network
