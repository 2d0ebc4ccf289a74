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
