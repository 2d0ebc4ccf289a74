"""Writing to Reverb with every wait bounded: `flush` cuts a wait on a full
table or a rate limiter into pieces that see the stop; `ItemWriter` inserts
rows of arrays as items (DQN transitions, R2D2 sequences)."""

from typing import Any, Callable, Dict, Optional

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


# Items a writer sends before it waits for Reverb's confirmation; Reverb
# warns ("pending items is alarmingly high") past about 50.
FLUSH_ITEMS = 32


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
