"""Evolution Strategies' arithmetic (Salimans et al. 2017), NumPy only.

  noise table     one Gaussian array built from a seed on every node; a
                  perturbation is the slice table[i : i + D] (D = #params)
  centered ranks  returns -> ranks scaled to [-0.5, 0.5] (fitness shaping:
                  invariant to the returns' scale, robust to outliers)
  gradient        g = sum_i (rank(F+_i) - rank(F-_i)) eps_i / (2 n) for n
                  antithetic pairs (theta + sigma eps_i, theta - sigma eps_i)
  step            Adam on -g + weight_decay theta (the paper's L2 term)
"""

from typing import Sequence

import numpy as np


class NoiseTable:
  """The shared noise: identical on every node built with the same seed."""

  def __init__(self, size: int, seed: int):
    # float32 from a seeded legacy RandomState: the same bytes on every
    # platform NumPy supports, whatever the process.
    self.noise = np.random.RandomState(seed).randn(size).astype(np.float32)

  def get(self, index: int, dim: int) -> np.ndarray:
    return self.noise[index:index + dim]

  def sample_indices(self, rng: np.random.Generator, dim: int,
                     count: int) -> np.ndarray:
    """`count` start indices of slices of length `dim`, int32."""
    return rng.integers(0, len(self.noise) - dim + 1, count).astype(np.int32)


def centered_ranks(x: np.ndarray) -> np.ndarray:
  """Ranks of x (any shape) scaled to [-0.5, 0.5]; ties in index order."""
  flat = np.asarray(x).ravel()
  ranks = np.empty(flat.size, np.float32)
  ranks[flat.argsort(kind='stable')] = np.arange(flat.size)
  if flat.size > 1:
    ranks = ranks / (flat.size - 1) - 0.5
  else:
    ranks[:] = 0.0
  return ranks.reshape(np.shape(x))


def es_gradient(noise: NoiseTable, indices: Sequence[int],
                returns: np.ndarray, dim: int) -> np.ndarray:
  """The ES gradient estimate [dim] from n pairs.

  Args:
    noise: the shared table.
    indices: [n] slice starts, one per antithetic pair.
    returns: [n, 2] returns of (theta + sigma eps, theta - sigma eps).
    dim: number of parameters D.
  """
  ranks = centered_ranks(returns)  # [n, 2]
  weights = ranks[:, 0] - ranks[:, 1]
  gradient = np.zeros(dim, np.float32)
  for weight, index in zip(weights, indices):
    gradient += weight * noise.get(int(index), dim)
  return gradient / returns.size
