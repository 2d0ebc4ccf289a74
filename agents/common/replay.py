"""Reverb helpers every agent's writer and learner share."""

import time
from typing import Any, Callable, Dict

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
