"""Arrays as bytes for calls *into* a Courier node.

Launchpad 0.5.2's Courier servers cannot receive NumPy arrays (or NumPy
scalars) as call arguments: the call hangs until its deadline
(google-deepmind/launchpad#28; reproduced here). Answers may hold arrays, so
only the senders of arrays (gradients, initial parameters) pack them.
"""

import pickle
from typing import List, Sequence, Union

import numpy as np

Packed = bytes


def pack(arrays: Sequence[np.ndarray]) -> Packed:
  return pickle.dumps([np.asarray(a) for a in arrays],
                      protocol=pickle.HIGHEST_PROTOCOL)


def unpack(data: Union[Packed, Sequence[np.ndarray]]) -> List[np.ndarray]:
  """The arrays of `pack`; a list of arrays passes through (local calls)."""
  if isinstance(data, bytes):
    return pickle.loads(data)
  return list(data)
