"""The learner side of a parameter server (Gorila, DPG-R's asynchronous
workers): a local copy of a network whose updates happen on the shards.

Gradients computed on the copy are pushed with the shard versions they were
computed at; a shard drops a gradient computed on parameters too old
(`agents.common.parameter_server`). The copy is refreshed by a pull, in the
same round trip as a push when asked, and after a dropped gradient so that
the next one is not computed on parameters that old again.
"""

from typing import List, Optional, Sequence

import numpy as np

from agents.common import parameter_server
from agents.common import weights


class RemoteNetwork:
  """A network's local copy, updated through `parameters` (module doc)."""

  def __init__(self, network: object,
               parameters: parameter_server.ShardedParameters):
    """Offers the network's (seeded) weights to the shards, where the first
    learner's win, and pulls them back."""
    self._network = network
    self._parameters = parameters
    parameters.initialize(weights.get_weights(network))
    self._versions: List[int] = []
    self.pushed = 0
    self.dropped = 0
    self.pull()

  def pull(self) -> List[np.ndarray]:
    """Copies the shards' parameters into the network; returns them."""
    arrays, self._versions = self._parameters.pull()
    weights.set_weights(self._network, arrays)
    return arrays

  def push(self, gradients: Sequence[object],
           pull: bool) -> Optional[List[np.ndarray]]:
    """Pushes `gradients` (tensors or arrays, in variable order); returns
    the parameters now in the network if they were pulled (asked, or after
    a dropped gradient), else None."""
    applied, pulled = self._parameters.push(
        [np.asarray(g) for g in gradients], self._versions, pull=pull)
    self.pushed += 1
    stale = not all(applied)
    self.dropped += stale
    if pulled is not None:
      arrays, self._versions = pulled
      weights.set_weights(self._network, arrays)
      return arrays
    if stale:  # Catch up before computing on parameters that old again.
      return self.pull()
    return None

  @property
  def dropped_fraction(self) -> float:
    return self.dropped / max(self.pushed, 1)
