"""What one R2D2 replay item holds, how actors cut sequences, the table.

A sequence of length L (burn-in included) of one environment:
  observation  [L, ...] float32  x_0 .. x_{L-1}
  first        [L] bool          x_t starts an episode (the state resets)
  action       [L] int32         a_t
  reward       [L] float32       r_t after a_t
  discount     [L] float32       d_t, 0 where the episode ended at t
  core_hidden  [H] float32       the actor's LSTM state before x_0
  core_cell    [H] float32       (the paper's "stored state")
A new sequence starts every `sequence_period` steps, so consecutive ones
overlap by L - period steps; sequences run across episode ends (the loss
masks them through d_t and the network resets at `first`), so no step is
padded or lost.
"""

from typing import Dict, Optional, Sequence

import numpy as np
import reverb
import tensorflow as tf

from agents.common import replay_tables
from agents.r2d2 import config as config_lib

REPLAY_TABLE = 'replay'
STEP_FIELDS = ('observation', 'first', 'action', 'reward', 'discount')
Sequences = Dict[str, np.ndarray]


def signature(observation_shape: Sequence[int],
              config: config_lib.R2D2Config) -> Dict[str, tf.TensorSpec]:
  length, h = config.sequence_length, config.lstm_size
  return {
      'observation': tf.TensorSpec([length] + list(observation_shape),
                                   tf.float32),
      'first': tf.TensorSpec([length], tf.bool),
      'action': tf.TensorSpec([length], tf.int32),
      'reward': tf.TensorSpec([length], tf.float32),
      'discount': tf.TensorSpec([length], tf.float32),
      'core_hidden': tf.TensorSpec([h], tf.float32),
      'core_cell': tf.TensorSpec([h], tf.float32),
  }


def replay_table(observation_shape: Sequence[int],
                 config: config_lib.R2D2Config) -> reverb.Table:
  """The prioritized table of sequences (`agents.common.replay_tables`)."""
  return replay_tables.replay_table(REPLAY_TABLE,
                                 signature(observation_shape, config), config)


class SequenceBuilder:
  """Cuts the steps of a batch of environments into overlapping sequences.

  All environments of a batched actor step together, so all of them finish
  a sequence on the same step: `add` returns B sequences at once.
  """

  def __init__(self, num_envs: int, observation_shape: Sequence[int],
               num_actions: int, config: config_lib.R2D2Config):
    length, b, h = config.sequence_length, num_envs, config.lstm_size
    self._length = length
    self._period = config.sequence_period
    self._steps = {
        'observation': np.zeros((length, b) + tuple(observation_shape),
                                np.float32),
        'first': np.zeros((length, b), bool),
        'action': np.zeros((length, b), np.int32),
        'reward': np.zeros((length, b), np.float32),
        'discount': np.zeros((length, b), np.float32),
        # Kept for the actor's initial priorities, not stored in replay.
        'q_values': np.zeros((length, b, num_actions), np.float32),
        'core_hidden': np.zeros((length, b, h), np.float32),
        'core_cell': np.zeros((length, b, h), np.float32),
    }
    self._t = 0  # Steps of the current window so far.

  def add(self, step: Dict[str, np.ndarray]) -> Optional[Sequences]:
    """Adds one batched step; returns the finished sequences, if any.

    Args:
      step: every field of the module docstring for this step, [B, ...],
        with `core_hidden`/`core_cell` the state before x_t and `q_values`
        [B, A] the actor's Q-values at x_t.

    Returns:
      None, or the window time-major: every field [L, B, ...] (core state
      [L, B, H]: the stored state is its row 0).
    """
    for key, array in self._steps.items():
      array[self._t] = step[key]
    self._t += 1
    if self._t < self._length:
      return None
    out = {key: array.copy() for key, array in self._steps.items()}
    keep = self._length - self._period  # The overlap starts the next one.
    for array in self._steps.values():
      array[:keep] = array[self._period:]
    self._t = keep
    return out


def replay_items(window: Sequences) -> Sequences:
  """A time-major window of `SequenceBuilder` -> replay items [B, ...]."""
  items = {key: np.ascontiguousarray(np.swapaxes(window[key], 0, 1))
           for key in STEP_FIELDS}
  items['core_hidden'] = window['core_hidden'][0]
  items['core_cell'] = window['core_cell'][0]
  return items
