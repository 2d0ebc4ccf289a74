"""What a learner reads from a prioritized sample and writes back: the
sampled keys, probabilities and table sizes, and new priorities."""

from typing import Any, Tuple

import numpy as np


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
