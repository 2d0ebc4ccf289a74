"""The DPG family's exploration: Gaussian noise on the policy's actions,
clipped to the bounds, and Ape-X DPG's per-actor ladder of noise scales."""

from typing import List

import numpy as np


def noise_ladder(num_actors: int, noise_scale: float,
                 noise_scale_min: float) -> List[float]:
  """Scale of actor i of N: noise_scale * (min / scale) ** (i / (N - 1)),
  from noise_scale (actor 0) down to noise_scale_min (actor N - 1); one
  actor gets noise_scale. A zero end makes the ladder linear instead (a
  geometric ladder cannot reach 0)."""
  if num_actors == 1:
    return [float(noise_scale)]
  fractions = np.arange(num_actors) / (num_actors - 1)
  if noise_scale_min > 0:
    scales = noise_scale * (noise_scale_min / noise_scale) ** fractions
  else:
    scales = noise_scale + (noise_scale_min - noise_scale) * fractions
  return [float(s) for s in scales]


def gaussian(actions: np.ndarray, noise_scale: float, minimum: np.ndarray,
             maximum: np.ndarray, rng: np.random.Generator) -> np.ndarray:
  """`actions` [B, A] plus N(0, (noise_scale (max - min) / 2)^2) noise,
  clipped to [minimum, maximum]; float32."""
  if noise_scale > 0:
    half_range = 0.5 * (maximum - minimum)
    actions = actions + rng.normal(size=actions.shape) * (noise_scale *
                                                          half_range)
  return np.clip(actions, minimum, maximum).astype(np.float32)
