"""Even splits of a range into K contiguous parts: a map-reduce program's
shards of samples (LSPI) and row blocks of a model (value iteration)."""

from typing import List, Tuple

import numpy as np


def even_ranges(total: int, parts: int, what: str = 'parts'
                ) -> List[Tuple[int, int]]:
  """[start, stop) of `parts` contiguous ranges covering [0, total), in
  order; sizes differ by at most 1 (the first total % parts are longer).

  Raises:
    ValueError: parts < 1 or parts > total (a part would be empty), naming
      `what` the parts are.
  """
  if parts < 1 or total < parts:
    raise ValueError(f'{parts} {what} must be between 1 and {total}: every '
                     f'one needs at least one item.')
  base, extra = divmod(total, parts)
  sizes = [base + (k < extra) for k in range(parts)]
  stops = np.cumsum(sizes)
  return [(int(stop - size), int(stop)) for stop, size in zip(stops, sizes)]
