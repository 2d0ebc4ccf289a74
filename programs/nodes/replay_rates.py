"""Size, inserts/s and samples/s of a Reverb table, for learners' logs.

Reverb (and with it TensorFlow) is imported only when rates are read: the
node library is imported by every program module, and the nodes that
compute nothing (counter, variable server) must stay free of TensorFlow.
"""

import time
from typing import Any, Dict


class TableRates:
  """Size, inserts/s and samples/s of a Reverb table, from `server_info`.

  Each call reports the rates since the previous call; learners pass it to
  their logger (it runs only when a row is written, not per step).
  """

  def __init__(self, client: Any, table: str):
    """`client`: a reverb.Client of the server holding `table`."""
    self._client = client
    self._table = table
    self._last = None  # (time, inserts, samples)

  def __call__(self) -> Dict[str, float]:
    import reverb  # pylint: disable=g-import-not-at-top
    try:
      tables = self._client.server_info(timeout=5)
    except (RuntimeError, reverb.errors.ReverbError):
      return {}  # A stopping server: the row goes out without these.
    if self._table not in tables:  # A wiring error, not a passing fault.
      raise KeyError(f'Reverb has no table {self._table!r}; its tables: '
                     f'{", ".join(sorted(tables))}.')
    info = tables[self._table]
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
