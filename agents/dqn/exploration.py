"""Exploration schedules of the DQN family (no TensorFlow: the programs
compute the Ape-X ladder while building the graph)."""

from typing import Callable, List, Union

import numpy as np

from agents.dqn import config as config_lib


def linear_epsilon(config: config_lib.DQNConfig) -> Callable[[int], float]:
  """epsilon_start -> epsilon_end over epsilon_decay_steps, then constant."""
  start, end = config.epsilon_start, config.epsilon_end
  steps = config.epsilon_decay_steps

  def epsilon(env_steps: int) -> float:
    fraction = min(env_steps / steps, 1.0)
    return start + fraction * (end - start)
  return epsilon


def apex_epsilons(num_actors: int, epsilon: float = 0.4,
                  alpha: float = 7.0) -> List[float]:
  """Ape-X's ladder: actor i gets epsilon ** (1 + alpha i / (N - 1)).

  One actor gets `epsilon` (the formula divides by N - 1 = 0).
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  if num_actors == 1:
    return [epsilon]
  return [epsilon ** (1 + alpha * i / (num_actors - 1))
          for i in range(num_actors)]


Epsilon = Union[float, Callable[[int], float]]  # Fixed, or of env steps.
# What a program passes for an actor that decays its epsilon linearly
# (`linear_epsilon`): the schedule itself is built in the actor's process.
LINEAR = 'linear'


def resolve(epsilon: Union[float, str],
            config: config_lib.DQNConfig) -> Epsilon:
  """A program's epsilon (a number, or LINEAR) as the actor takes it."""
  return linear_epsilon(config) if epsilon == LINEAR else epsilon


def epsilon_at(epsilon: Epsilon, env_steps: int) -> float:
  """A fixed epsilon, or a schedule's value after `env_steps` steps."""
  return epsilon(env_steps) if callable(epsilon) else epsilon


def epsilon_greedy(q_values: np.ndarray, epsilon: float,
                   rng: np.random.Generator) -> np.ndarray:
  """Actions [B] int32: argmax of q_values [B, A], uniform with prob. epsilon."""
  action = np.argmax(q_values, axis=-1).astype(np.int32)
  explore = rng.uniform(size=len(action)) < epsilon
  if explore.any():
    action[explore] = rng.integers(0, q_values.shape[-1], explore.sum())
  return action
