"""Network pieces shared by agents.

`Conv2D` exists because sonnet 2.0.0's own `snt.Conv2D` fails on Python 3.10
(`collections.Sequence` was removed from the standard library) and the pinned
stack cannot move to a newer sonnet without moving TensorFlow.
"""

import math

import sonnet as snt
import tensorflow as tf


class Conv2D(snt.Module):
  """A 2-D convolution over [B, H, W, C], stride 1, like snt.Conv2D."""

  def __init__(self, output_channels: int, kernel_size: int,
               padding: str = 'VALID', name: str = 'conv2d'):
    super().__init__(name=name)
    self._output_channels = output_channels
    self._kernel_size = kernel_size
    self._padding = padding

  @snt.once
  def _initialize(self, inputs: tf.Tensor) -> None:
    input_channels = inputs.shape[-1]
    fan_in = self._kernel_size * self._kernel_size * input_channels
    # Sonnet's default: truncated normal with stddev 1 / sqrt(fan_in).
    init = snt.initializers.TruncatedNormal(stddev=1.0 / math.sqrt(fan_in))
    self.w = tf.Variable(
        init([self._kernel_size, self._kernel_size, input_channels,
              self._output_channels], tf.float32), name='w')
    self.b = tf.Variable(tf.zeros([self._output_channels]), name='b')

  def __call__(self, inputs: tf.Tensor) -> tf.Tensor:
    self._initialize(inputs)
    return tf.nn.conv2d(inputs, self.w, strides=1,
                        padding=self._padding) + self.b


def make_torso(observation_shape, torso: str, hidden_sizes, conv_channels: int,
               owner: str = 'config') -> snt.Module:
  """The feature torso every agent shares: [conv 3x3 + relu] + flatten + MLP.

  Args:
    observation_shape: one observation's shape.
    torso: 'mlp', 'conv' or 'auto' (conv for rank-3 observations).
    hidden_sizes: MLP layer sizes (after the conv, if any); the last layer is
      activated too.
    conv_channels: channels of the 3x3 conv (MinAtar's network uses 16).
    owner: names the config in error messages.

  Raises:
    ValueError: 'conv' for observations that are not [H, W, C].
  """
  if torso == 'auto':
    torso = 'conv' if len(observation_shape) == 3 else 'mlp'
  layers = []
  if torso == 'conv':
    if len(observation_shape) != 3:
      raise ValueError(f'{owner}.torso=conv needs [H, W, C] observations, '
                       f'got shape {tuple(observation_shape)}.')
    layers += [Conv2D(conv_channels, 3), tf.nn.relu]
  layers += [snt.Flatten(), snt.nets.MLP(hidden_sizes, activate_final=True)]
  return snt.Sequential(layers)


class ResetCore(snt.Module):
  """An LSTM whose state is zeroed where an episode starts.

  Actors call `step` once per environment step; learners `unroll` a
  time-major batch from the state the actor recorded. Both reset through the
  same `reset`, so a learner's unroll reproduces the actor's outputs.
  """

  def __init__(self, hidden_size: int, name: str = 'reset_core'):
    super().__init__(name=name)
    self._lstm = snt.LSTM(hidden_size)
    self.hidden_size = hidden_size

  def initial_state(self, batch_size: int) -> snt.LSTMState:
    return self._lstm.initial_state(batch_size)

  def reset(self, state: snt.LSTMState, first: tf.Tensor) -> snt.LSTMState:
    """Zeroes the state of the batch entries where `first` [B] is True."""
    keep = tf.cast(tf.logical_not(first), tf.float32)[:, None]  # [B, 1]
    return tf.nest.map_structure(lambda s: s * keep, state)

  def step(self, embedding: tf.Tensor, first: tf.Tensor,
           state: snt.LSTMState):
    """One step: embedding [B, E], first [B] -> (output [B, H], state)."""
    return self._lstm(embedding, self.reset(state, first))

  def unroll(self, embedding: tf.Tensor, first: tf.Tensor,
             state: snt.LSTMState):
    """embedding [T, B, E], first [T, B] -> (outputs [T, B, H], state).

    A tf.while_loop (tf.scan), not a Python loop: tracing an unrolled graph
    of a 20-step sequence through two networks and their gradient took 11 s
    at start-up.
    """
    def body(carry, inputs):
      _, state = carry
      return self.step(inputs[0], inputs[1], state)

    initial_output = tf.zeros([tf.shape(embedding)[1], self.hidden_size],
                              embedding.dtype)
    outputs, states = tf.scan(body, (embedding, first),
                              initializer=(initial_output, state))
    return outputs, tf.nest.map_structure(lambda s: s[-1], states)
