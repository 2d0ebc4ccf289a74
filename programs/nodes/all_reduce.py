"""The `all_reduce` node: averages the gradients of K data-parallel learner
replicas (`agents.common.unroll_learner`) for each update.

Every replica calls `reduce(replica, round, packed_gradients)` once per
update (`round` = its update count; the replicas move in lockstep). The
call waits until all K have posted that round, then each gets the same
mean: summed in replica order in float32, divided by K, computed once. So
replicas that start equal stay bit-identical. A wait is bounded
(REDUCE_WAIT_SECONDS); the caller asks again (without resending its
gradients), looking at the stop between.
No TensorFlow: NumPy only.
"""

import threading
from typing import Any, Dict, List, Optional

import launchpad as lp
import numpy as np

from agents.common import wire
from programs.nodes import lifecycle

# One `reduce` call waits at most this long for the other replicas, then
# answers None (ask again): well inside the Courier call timeout.
REDUCE_WAIT_SECONDS = 1.0


class _Round:
  """The posts of one update and, once complete, their mean."""

  def __init__(self):
    self.posts: Dict[int, List[np.ndarray]] = {}
    self.mean: Optional[List[np.ndarray]] = None
    self.taken = set()


class AllReduce:
  """Averages one gradient per replica per round."""

  @lifecycle.guarded
  def __init__(self, num_replicas: int):
    if num_replicas < 1:
      raise ValueError(f'num_replicas={num_replicas} must be >= 1.')
    self._num_replicas = num_replicas
    self._rounds: Dict[int, _Round] = {}
    self._changed = threading.Condition()
    self.rounds_done = 0

  def reduce(self, replica: int, round_: int,
             gradients: Optional[wire.Packed]) -> Optional[List[np.ndarray]]:
    """Posts `replica`'s gradients for update `round_`; the mean of every
    replica's once all have posted, else None after REDUCE_WAIT_SECONDS:
    call again with `gradients` None (the post is kept).

    Raises:
      ValueError: an unknown replica; a round other than the open one (a
        replica restarted alone, out of step); a repeat call for a round
        this replica never posted.
    """
    if not 0 <= replica < self._num_replicas:
      raise ValueError(f'replica {replica} of {self._num_replicas}.')
    with self._changed:
      current = self._rounds.get(round_)
      if current is None or current.mean is None:
        # Rounds still collecting posts (a complete one may wait for its
        # slowest replica to take the mean while the others post the next).
        pending = [r for r, state in self._rounds.items()
                   if r != round_ and state.mean is None]
        if pending:
          raise ValueError(
              f'replica {replica} posted round {round_} while round '
              f'{pending[0]} is open: the replicas are out of step.')
        current = self._rounds.setdefault(round_, _Round())
        if gradients is not None:
          current.posts[replica] = wire.unpack(gradients)
        elif replica not in current.posts:
          raise ValueError(f'replica {replica} asked again for round '
                           f'{round_} without having posted to it.')
        if len(current.posts) == self._num_replicas:
          current.mean = _mean([current.posts[i]
                                for i in range(self._num_replicas)])
          current.posts.clear()
          self.rounds_done += 1
          self._changed.notify_all()
      if current.mean is None:
        self._changed.wait(REDUCE_WAIT_SECONDS)
      if current.mean is None:
        return None
      current.taken.add(replica)
      if len(current.taken) == self._num_replicas:
        del self._rounds[round_]  # Everyone has it.
      return current.mean

  def stats(self) -> Dict[str, int]:
    return {'rounds': self.rounds_done}

  @lifecycle.guarded
  def run(self) -> None:
    lp.wait_for_stop()  # Serves `reduce` until the stop.


def _mean(posts: List[List[np.ndarray]]) -> List[np.ndarray]:
  """The element-wise mean over replicas, in replica order, float32."""
  if any(len(p) != len(posts[0]) for p in posts):
    raise ValueError('replicas posted different numbers of gradients: '
                     f'{[len(p) for p in posts]}.')
  mean = []
  for arrays in zip(*posts):
    total = np.array(arrays[0], dtype=np.float32)
    for array in arrays[1:]:
      total += array
    mean.append(total / np.float32(len(arrays)))
  return mean


def build_all_reduce(num_replicas: int) -> Any:
  """An all-reduce node for `num_replicas` learner replicas."""
  return lifecycle.BoundedCourierNode(AllReduce, num_replicas=num_replicas)
