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
