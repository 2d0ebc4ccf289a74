"""Network weights as NumPy lists: what learners serve and actors load.

Variables cross process boundaries (learner -> variable server -> actors) as
plain NumPy arrays in the network's own variable order, so the nodes between
them need no TensorFlow.
"""

from typing import List, Sequence

import numpy as np
import sonnet as snt


def get_weights(network: snt.Module) -> List[np.ndarray]:
  """The network's variables as NumPy arrays, in `network.variables` order."""
  return [v.numpy() for v in network.variables]


def set_weights(network: snt.Module, weights: Sequence[np.ndarray]) -> None:
  """Assigns `weights` (from `get_weights` of the same network) in order.

  Raises:
    ValueError: the number of arrays or a shape does not match the network.
  """
  variables = network.variables
  if len(weights) != len(variables):
    raise ValueError(f'Got {len(weights)} weight arrays for a network with '
                     f'{len(variables)} variables.')
  for variable, value in zip(variables, weights):
    if tuple(variable.shape) != np.shape(value):
      raise ValueError(f'Weight of shape {np.shape(value)} does not fit '
                       f'{variable.name} of shape {tuple(variable.shape)}.')
    variable.assign(value)


def initialize_from_seed(network: snt.Module, seed: int) -> None:
  """Re-draws the network's weight matrices from a NumPy generator.

  Every weight of rank >= 2 gets Sonnet's default initialiser, a normal
  truncated at 2 standard deviations with stddev 1 / sqrt(fan_in) (fan_in:
  all but the last axis); biases keep Sonnet's zeros. The result depends
  only on `seed`, so every process that builds the network gets the same
  weights. `tf.random.set_seed` would do that too, but it clears TensorFlow's
  kernel caches and breaks functions that other threads of the same process
  are running ("Op type not registered ..._while_cond_...").
  """
  rng = np.random.default_rng(seed)
  for variable in network.variables:
    shape = tuple(variable.shape)
    if len(shape) < 2:
      continue
    stddev = 1.0 / np.sqrt(np.prod(shape[:-1]))
    values = rng.standard_normal(shape)
    outside = np.abs(values) > 2.0
    while outside.any():
      values[outside] = rng.standard_normal(outside.sum())
      outside = np.abs(values) > 2.0
    variable.assign((values * stddev).astype(np.float32))
