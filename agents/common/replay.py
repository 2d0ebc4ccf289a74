"""Reverb helpers every agent's writer and learner share: bounded flush,
table rates, the replay table preset, the item writer, priority write-back.
"""

import time
from typing import Any, Callable, Dict, Optional, Tuple

import numpy as np
import reverb

FLUSH_TIMEOUT_MS = 1000  # Bounds every wait on a full table (rule: no hangs).


def flush(writer: Any, should_stop: Callable[[], bool]) -> bool:
  """Waits until `writer`'s items are in the table, or the program stops.

  A full queue or a rate limiter holds inserts back; the wait is cut into
  FLUSH_TIMEOUT_MS pieces so that the stop is seen.

  Returns:
    False if the stop came first, else True.
  """
  while True:
    try:
      writer.flush(timeout_ms=FLUSH_TIMEOUT_MS)
      return True
    except reverb.DeadlineExceededError:
      if should_stop():
        return False


class TableRates:
  """Size, inserts/s and samples/s of a Reverb table, from `server_info`.

  Each call reports the rates since the previous call; learners pass it to
  their logger (it runs only when a row is written, not per step).
  """

  def __init__(self, client: reverb.Client, table: str):
    self._client = client
    self._table = table
    self._last = None  # (time, inserts, samples)

  def __call__(self) -> Dict[str, float]:
    try:
      info = self._client.server_info(timeout=5)[self._table]
    except Exception:  # pylint: disable=broad-except
      return {}  # A stopping server: the row goes out without these.
    now = time.time()
    limiter = info.rate_limiter_info
    inserts = limiter.insert_stats.completed
    samples = limiter.sample_stats.completed
    values = {'replay_size': float(info.current_size),
              'replay_inserts': float(inserts),
              'replay_samples': float(samples)}
    if self._last is not None:
      elapsed = max(now - self._last[0], 1e-6)
      values['replay_inserts_per_s'] = (inserts - self._last[1]) / elapsed
      values['replay_samples_per_s'] = (samples - self._last[2]) / elapsed
    self._last = (now, inserts, samples)
    return values


# Items a writer sends before it waits for Reverb's confirmation; Reverb
# warns ("pending items is alarmingly high") past about 50.
FLUSH_ITEMS = 32


def error_buffer(config: Any) -> float:
  """Slack of the samples-per-insert limiter, in samples.

  Actors insert `config.insert_batch` items at once and the learner samples
  `config.batch_size`; the buffer must cover both or the two take turns
  waiting.
  """
  return 2.0 * max(config.batch_size,
                   config.insert_batch * config.samples_per_insert)


def replay_table(name: str, signature: Any, config: Any) -> reverb.Table:
  """A replay table, uniform or prioritized, FIFO removal at capacity.

  The rate limiter waits for `config.min_replay_size` items and, with
  `config.samples_per_insert` > 0, keeps samples per insert near that ratio
  (the learner waits when it would over-sample, the actors when they would
  under-feed it). `config` has the replay fields of `agents.dqn.DQNConfig`
  (items are transitions for DQN, sequences for R2D2).
  """
  if config.prioritized:
    sampler = reverb.selectors.Prioritized(config.priority_exponent)
  else:
    sampler = reverb.selectors.Uniform()
  if config.samples_per_insert > 0:
    limiter = reverb.rate_limiters.SampleToInsertRatio(
        samples_per_insert=config.samples_per_insert,
        min_size_to_sample=config.min_replay_size,
        error_buffer=error_buffer(config))
  else:
    limiter = reverb.rate_limiters.MinSize(config.min_replay_size)
  return reverb.Table(
      name=name, sampler=sampler, remover=reverb.selectors.Fifo(),
      max_size=config.replay_size, rate_limiter=limiter, signature=signature)


class ItemWriter:
  """Inserts items of flat dicts of arrays, one replay item per row."""

  def __init__(self, client: reverb.Client, table: str,
               should_stop: Callable[[], bool]):
    self._writer = client.trajectory_writer(num_keep_alive_refs=1)
    self._table = table
    self._should_stop = should_stop

  def write(self, items: Dict[str, np.ndarray],
            priorities: Optional[np.ndarray] = None) -> bool:
    """Inserts every row; blocks while the rate limiter says wait.

    Args:
      items: field -> [M, ...]; row i of every field makes item i.
      priorities: [M]; None inserts with priority 1 (uniform tables).

    Returns:
      False if the stop came before every item was accepted, else True.
    """
    fields = list(items)
    columns = [items[k] for k in fields]
    count = len(columns[0])
    if priorities is None:
      priorities = np.ones(count)
    for i, (row, priority) in enumerate(zip(zip(*columns),
                                            priorities.tolist())):
      self._writer.append(dict(zip(fields, row)))
      history = self._writer.history
      self._writer.create_item(
          self._table, priority=priority,
          trajectory={k: history[k][-1] for k in fields})
      if (i + 1) % FLUSH_ITEMS == 0 and not flush(self._writer,
                                                  self._should_stop):
        return False
    return flush(self._writer, self._should_stop)

  def close(self) -> None:
    self._writer.close()


def sample_info(sample: Any) -> Tuple[np.ndarray, Any, Any]:
  """(keys, probabilities, table sizes) of a reverb.ReplaySample batch."""
  info = sample.info
  return np.asarray(info.key), info.probability, info.table_size


class PriorityWriter:
  """Writes a learner's new priorities to the table it sampled from.

  Keys the FIFO remover has dropped since the sample are ignored by Reverb.
  """

  def __init__(self, client: Any, table: str):
    self._client = client
    self._table = table

  def write(self, keys: np.ndarray, priorities: np.ndarray) -> None:
    self._client.mutate_priorities(
        self._table, updates=dict(zip(keys.tolist(), priorities.tolist())))
