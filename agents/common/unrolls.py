"""What one queue item holds, and the writer that builds items from a batch.

An unroll of length T for one environment:
  observation       [T + 1, ...] float32  x_0 .. x_T (x_T only bootstraps)
  first             [T + 1] bool          x_t starts an episode
  action            [T] int32             a_t
  reward            [T] float32           r_t after a_t
  discount          [T] float32           0 where the episode ended at t
  behaviour_logits  [T, A] float32        the actor's logits at x_t
  core_state        ([H], [H])            LSTM (hidden, cell) before x_0;
                                          only when config.lstm_size > 0
Consecutive unrolls of one environment share x_T = x_0 of the next, as in the
paper's actors.
"""

from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np
import reverb
import sonnet as snt
import tensorflow as tf

from agents.common import replay_writers

QUEUE_TABLE = 'queue'


def signature(observation_shape: Sequence[int], num_actions: int,
              config: Any) -> Dict[str, Any]:
  """The queue table's signature for one unroll (see the module docstring)."""
  t = config.unroll_length
  spec = {
      'observation': tf.TensorSpec([t + 1] + list(observation_shape),
                                   tf.float32),
      'first': tf.TensorSpec([t + 1], tf.bool),
      'action': tf.TensorSpec([t], tf.int32),
      'reward': tf.TensorSpec([t], tf.float32),
      'discount': tf.TensorSpec([t], tf.float32),
      'behaviour_logits': tf.TensorSpec([t, num_actions], tf.float32),
  }
  if config.lstm_size:
    h = config.lstm_size
    spec['core_state'] = (tf.TensorSpec([h], tf.float32),
                          tf.TensorSpec([h], tf.float32))
  return spec


def queue_tables(observation_shape: Sequence[int], num_actions: int,
                 config: Any, max_size: Optional[int] = None
                 ) -> List[reverb.Table]:
  """The FIFO queue of unrolls: actors block when it is full (back-pressure).

  Each unroll is sampled once and removed (a queue, not a replay buffer).
  It holds `max_size` unrolls, by default `config.queue_size`.
  """
  return [reverb.Table.queue(
      name=QUEUE_TABLE, max_size=max_size or config.queue_size,
      signature=signature(observation_shape, num_actions, config))]


class UnrollWriter:
  """Writes the unrolls of a batch of environments to the queue, one item each.

  One `append` + `create_item` per environment per unroll (not per step):
  the whole [T + 1, ...] arrays go to Reverb as a single step, so the Python
  cost is paid once every T environment steps.
  """

  def __init__(self, client: reverb.Client, table: str,
               should_stop: Callable[[], bool]):
    self._writer = client.trajectory_writer(num_keep_alive_refs=1)
    self._table = table
    self._should_stop = should_stop

  def write(self, unrolls: Dict[str, Any]) -> bool:
    """Inserts one item per environment; blocks while the queue is full.

    Args:
      unrolls: the fields of the module docstring with a leading batch axis
        [B, ...] (core_state: a pair of [B, H]).

    Returns:
      False if the stop came before every item was accepted, else True.
    """
    batch_size = len(unrolls['action'])
    for i in range(batch_size):
      self._writer.append(tf.nest.map_structure(lambda x: x[i], unrolls))
      self._writer.create_item(
          self._table, priority=1.0,
          trajectory=tf.nest.map_structure(lambda c: c[-1],
                                           self._writer.history))
    return replay_writers.flush(self._writer, self._should_stop)

  def close(self) -> None:
    self._writer.close()


def batch_major(time_major: np.ndarray) -> np.ndarray:
  """[T, B, ...] -> [B, T, ...] contiguous, one copy."""
  return np.ascontiguousarray(np.swapaxes(time_major, 0, 1))


def time_major(batch: Dict[str, Any]) -> Dict[str, Any]:
  """Swaps the batch and time axes of every sequence field: [B, T] -> [T, B].

  `core_state` has no time axis and stays [B, H].
  """
  out = {}
  for key, value in batch.items():
    if key == 'core_state':
      out[key] = value
    else:
      value = tf.convert_to_tensor(value)
      perm = [1, 0] + list(range(2, len(value.shape)))
      out[key] = tf.transpose(value, perm)
  return out


def start_state(batch: Dict[str, Any]) -> Any:
  """The recurrent state stored with the unrolls (LSTMState [B, H] each),
  or () for a feed-forward network."""
  state = batch.get('core_state', ())
  if state:
    state = snt.LSTMState(hidden=state[0], cell=state[1])
  return state
