"""n-step transitions: how actors build them from batched steps, what a
replay item holds, the replay table, and the writer that inserts them.

One replay item is one transition (so that each has its own priority):
  observation       [...] float32   x_s
  action            []    int32     a_s (continuous actions, DPG:
                    [A]   float32)
  reward            []    float32   sum_{k=s}^{e-1} gamma^(k-s) r_k (times
                                    the environment discounts before k)
  discount          []    float32   prod_{k=s}^{e-1} gamma d_k: the weight of
                                    the bootstrap max_a Q(x_e, a); 0 when the
                                    episode ended inside [s, e)
  next_observation  [...] float32   x_e, e = min(s + n, end of episode)

`NStepAccumulator` does for a batch of environments in NumPy what acme's
`NStepTransitionAdder` does for one (that adder does not run with the
pinned dm-reverb 0.7.2: it passes `get_signature_timeout_ms` to
`trajectory_writer`). The returns of all environments are computed together
and the actor inserts the finished transitions in batches, after computing
their priorities.
"""

from typing import Dict, List, Sequence

import numpy as np
import reverb
import tensorflow as tf

from agents.common import replay_tables
from agents.common import replay_writers
from agents.dqn import config as config_lib

REPLAY_TABLE = 'replay'
FIELDS = ('observation', 'action', 'reward', 'discount', 'next_observation')
Transitions = Dict[str, np.ndarray]  # FIELDS -> [M, ...]


def signature(observation_shape: Sequence[int],
              action_shape: Sequence[int] = ()) -> Dict[str, tf.TensorSpec]:
  """One item's signature; int32 actions if `action_shape` is (), else
  float32 vectors of that shape."""
  observation = tf.TensorSpec(list(observation_shape), tf.float32)
  return {
      'observation': observation,
      'action': tf.TensorSpec(list(action_shape),
                              tf.float32 if action_shape else tf.int32),
      'reward': tf.TensorSpec([], tf.float32),
      'discount': tf.TensorSpec([], tf.float32),
      'next_observation': observation,
  }


def replay_table(observation_shape: Sequence[int],
                 config: config_lib.DQNConfig,
                 name: str = REPLAY_TABLE,
                 action_shape: Sequence[int] = ()) -> reverb.Table:
  """The replay table of transitions (`replay_tables.replay_table`)."""
  return replay_tables.replay_table(
      name, signature(observation_shape, action_shape), config)


class NStepAccumulator:
  """Turns batched environment steps into n-step transitions.

  Every environment step yields exactly one transition, emitted once its n
  rewards are known, or at the end of its episode. Call `add` once per
  batched step with the observations the actions were taken in.
  """

  def __init__(self, num_envs: int, observation_shape: Sequence[int],
               n_step: int, discount: float,
               action_shape: Sequence[int] = ()):
    """`action_shape` () for discrete actions (int32), else the shape of
    one continuous action (float32)."""
    self._n = n_step
    self._action_shape = tuple(action_shape)
    self._gamma = np.float32(discount)
    shape = (n_step, num_envs) + tuple(observation_shape)
    self._observation = np.zeros(shape, np.float32)
    self._action = np.zeros((n_step, num_envs) + self._action_shape,
                            _action_dtype(action_shape))
    self._reward = np.zeros((n_step, num_envs), np.float32)
    self._discount = np.zeros((n_step, num_envs), np.float32)
    self._count = np.zeros(num_envs, np.int64)  # Steps of the episode, <= n.
    self._t = 0  # Batched steps so far; slot t % n is step t.

  def add(self, observation: np.ndarray, action: np.ndarray,
          reward: np.ndarray, discount: np.ndarray,
          next_observation: np.ndarray, first: np.ndarray) -> Transitions:
    """Adds step t of every environment; returns the finished transitions.

    Args:
      observation: x_t [B, ...], where the actions were taken.
      action, reward, discount: a_t, r_t, d_t, each [B].
      next_observation: x_{t+1} [B, ...]; where `first` is True it already
        starts the next episode (the batched-environment convention).
      first: [B] bool, the episode ended at step t.

    Returns:
      Transitions (module docstring) as arrays with a leading axis [M].
    """
    n, t = self._n, self._t
    slot = t % n
    self._observation[slot] = observation
    self._action[slot] = action
    self._reward[slot] = reward
    self._discount[slot] = self._gamma * discount
    self._count = np.minimum(self._count + 1, n)
    self._t = t + 1
    out: List[Transitions] = []
    # Windows of n steps: the transition that started n - 1 steps ago.
    full = np.flatnonzero(self._count == n)
    if full.size:
      out.append(self._emit(full, length=n, next_observation=next_observation))
    # Episodes that ended: the shorter transitions of their last steps.
    ended = np.flatnonzero(first)
    for length in range(1, n):
      envs = ended[self._count[ended] >= length]
      if envs.size:
        out.append(self._emit(envs, length, next_observation))
    self._count[ended] = 0
    if not out:
      return empty_transitions(self._observation.shape[2:],
                               self._action_shape)
    return {k: np.concatenate([o[k] for o in out]) for k in FIELDS}

  def _emit(self, envs: np.ndarray, length: int,
            next_observation: np.ndarray) -> Transitions:
    """Transitions of `envs` over their last `length` steps."""
    t = self._t - 1  # The step just added.
    slots = [(t - length + 1 + k) % self._n for k in range(length)]
    reward = np.zeros(envs.size, np.float32)
    weight = np.ones(envs.size, np.float32)
    for s in slots:
      reward += weight * self._reward[s, envs]
      weight *= self._discount[s, envs]
    return {
        'observation': self._observation[slots[0], envs],
        'action': self._action[slots[0], envs],
        'reward': reward,
        'discount': weight,
        'next_observation': next_observation[envs],
    }


def _action_dtype(action_shape: Sequence[int]) -> type:
  return np.float32 if tuple(action_shape) else np.int32


def empty_transitions(observation_shape: Sequence[int],
                      action_shape: Sequence[int] = ()) -> Transitions:
  shape = (0,) + tuple(observation_shape)
  return {'observation': np.zeros(shape, np.float32),
          'action': np.zeros((0,) + tuple(action_shape),
                             _action_dtype(action_shape)),
          'reward': np.zeros(0, np.float32),
          'discount': np.zeros(0, np.float32),
          'next_observation': np.zeros(shape, np.float32)}


# Inserts transitions, one replay item each, with their priorities.
TransitionWriter = replay_writers.ItemWriter
