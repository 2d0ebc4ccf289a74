"""ES's policy: a NumPy tanh MLP from a flat parameter vector, evaluated for
many parameter vectors at once (one per environment of a batched
environment), and the running observation statistics it normalises with.

No TensorFlow: ES needs no gradients, and one `einsum` per layer serves a
whole population (benchmarks/results.md has the measurement).
"""

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np

from agents.common import environments

OBSERVATION_CLIP = 5.0  # Normalised observations are clipped (paper).


def layer_shapes(observation_size: int, num_actions: int,
                 hidden_sizes: Sequence[int]) -> List[Tuple[int, ...]]:
  sizes = [observation_size] + list(hidden_sizes) + [num_actions]
  shapes = []
  for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
    shapes += [(fan_in, fan_out), (fan_out,)]
  return shapes


def initial_parameters(shapes: Sequence[Tuple[int, ...]],
                       seed: int) -> np.ndarray:
  """Flat float32 parameters: normc-initialised weights (unit-norm columns,
  output layer scaled by 0.01 as in the paper's code), zero biases."""
  rng = np.random.RandomState(seed)
  parts = []
  for i, shape in enumerate(shapes):
    if len(shape) == 1:
      parts.append(np.zeros(shape, np.float32))
      continue
    w = rng.randn(*shape).astype(np.float32)
    w *= (0.01 if i == len(shapes) - 2 else 1.0) / np.sqrt(
        np.square(w).sum(axis=0, keepdims=True))
    parts.append(w)
  return np.concatenate([p.ravel() for p in parts])


class BatchedPolicy:
  """argmax-action tanh MLPs, one parameter vector per row."""

  def __init__(self, shapes: Sequence[Tuple[int, ...]]):
    self._shapes = list(shapes)
    self._sizes = [int(np.prod(s)) for s in shapes]
    self.num_parameters = sum(self._sizes)
    self._layers: List[Tuple[np.ndarray, np.ndarray]] = []

  def set_parameters(self, parameters: np.ndarray) -> None:
    """parameters [P, D]: the P policies of the next calls."""
    parameters = np.atleast_2d(parameters)
    p, offset, arrays = parameters.shape[0], 0, []
    for shape, size in zip(self._shapes, self._sizes):
      arrays.append(parameters[:, offset:offset + size].reshape(
          (p,) + shape))
      offset += size
    self._layers = list(zip(arrays[0::2], arrays[1::2]))

  def actions(self, observation: np.ndarray) -> np.ndarray:
    """Observations [P, O] (normalised) -> actions [P] int32."""
    x = observation
    for i, (w, b) in enumerate(self._layers):
      x = np.einsum('pi,pio->po', x, w) + b
      if i < len(self._layers) - 1:
        x = np.tanh(x)
    return np.argmax(x, axis=-1).astype(np.int32)


class ObservationStatistics:
  """Running sum, sum of squares and count of observations."""

  def __init__(self, size: int):
    self.sum = np.zeros(size, np.float64)
    self.sum_of_squares = np.zeros(size, np.float64)
    self.count = 0.0

  def add(self, observations: np.ndarray) -> None:
    observations = np.asarray(observations, np.float64).reshape(
        -1, len(self.sum))
    self.sum += observations.sum(axis=0)
    self.sum_of_squares += np.square(observations).sum(axis=0)
    self.count += len(observations)

  def merge(self, other: np.ndarray) -> None:
    """Adds a packed [sum | sum of squares | count] from `as_array`."""
    size = len(self.sum)
    self.sum += other[:size]
    self.sum_of_squares += other[size:2 * size]
    self.count += float(other[-1])

  def as_array(self) -> np.ndarray:
    return np.concatenate([self.sum, self.sum_of_squares, [self.count]])

  def mean_std(self) -> Tuple[np.ndarray, np.ndarray]:
    """(mean, std) float32; (0, 1) before any observation."""
    if self.count < 2:
      return (np.zeros_like(self.sum, np.float32),
              np.ones_like(self.sum, np.float32))
    mean = self.sum / self.count
    var = np.maximum(self.sum_of_squares / self.count - mean ** 2, 1e-4)
    return mean.astype(np.float32), np.sqrt(var).astype(np.float32)


def normalize(observation: np.ndarray, mean: Optional[np.ndarray],
              std: Optional[np.ndarray]) -> np.ndarray:
  """A batch of observations [B, ...] flattened to [B, D] (the policy's
  input; Catch observes a 10x5 board) and, with statistics, standardized
  and clipped."""
  observation = observation.reshape(len(observation), -1)
  if mean is None:
    return observation
  return np.clip((observation - mean) / std, -OBSERVATION_CLIP,
                 OBSERVATION_CLIP)


def environment_layer_shapes(environment_name: str,
                             config: Any) -> List[Tuple[int, ...]]:
  """`layer_shapes` of the policy for `environment_name` (flattened
  observations in, one output per discrete action), from
  config.hidden_sizes; every ES node computes the same."""
  spec = environments.environment_spec(environment_name)
  return layer_shapes(int(np.prod(spec['observation_shape'])),
                      spec['num_actions'], config.hidden_sizes)
