"""The run's counts and clock, and the budget watch.

Three kinds of counter meet here:
  acme's `counting.Counter`  the in-process sum of counts (keys add up).
  CounterNode                that Counter served as the `counter` node; its
                             `run` watches the budget and stops the program.
  CounterClient              what other nodes hold: increments go out
                             without waiting for the answer.

With a checkpoint schedule the counter node restores its counts at start and
saves them, with the run's elapsed seconds, every period and at the stop; the
launcher of a resumed run reads those seconds to continue the run's clock
(`elapsed_seconds`), so time budgets and log rows count the whole run.
"""

import time
from typing import Any, Dict, Mapping, Optional

from acme.utils import counting
import launchpad as lp

from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import lifecycle

CHECKPOINT_LABEL = 'counter'


class CounterNode(counting.Counter):
  """acme's Counter that also ends the run when the budget is reached.

  `run` polls the counts and the clock; at the budget it calls `lp.stop()`,
  which stops every node of the program (returning would end only this one).
  """

  @lifecycle.guarded
  def __init__(self, budget: budget_lib.Budget, start_time: float,
               checkpoint: Optional[checkpoints.Schedule] = None):
    super().__init__()
    self._budget = budget
    self._start_time = start_time
    self._checkpointer = None
    if checkpoint is not None:
      self._checkpointer = checkpoints.start(
          CHECKPOINT_LABEL, checkpoint, checkpoints.PythonState(self),
          describe=lambda: {'elapsed_seconds': self._elapsed(),
                            **self.get_counts()},
          summary=lambda: f'counts {self.get_counts()}')

  def _elapsed(self) -> float:
    return time.time() - self._start_time

  def save(self) -> Dict[str, Any]:
    """acme's Counter state (copied under its lock: increments arrive on
    other threads), and the run's elapsed seconds."""
    with self._lock:
      state = {k: dict(v) for k, v in super().save().items()}
    return {**state, 'elapsed_seconds': self._elapsed()}

  def restore(self, state: Mapping[str, Any]) -> None:
    super().restore({k: v for k, v in state.items()
                     if k != 'elapsed_seconds'})

  @lifecycle.guarded
  def run(self) -> None:
    try:
      while not lp.wait_for_stop(lifecycle.POLL_SECONDS):
        if self._checkpointer is not None:
          self._checkpointer.maybe_save()
        reason = self._budget.reached(self.get_counts(), self._elapsed())
        if reason:
          print(f'[counter] budget reached ({reason}) after '
                f'{self._elapsed():.1f} s; counts {self.get_counts()}; '
                'stopping the program.', flush=True)
          lp.stop()
          return
    finally:
      if self._checkpointer is not None:
        self._checkpointer.save()


def elapsed_seconds(logdir: str) -> Optional[float]:
  """The run time a resumed run continues from: the counter's newest
  checkpoint under `logdir`, or None."""
  state = checkpoints.read_python_state(logdir, CHECKPOINT_LABEL)
  return None if state is None else float(state['elapsed_seconds'])


def build_counter(budget: budget_lib.Budget, start_time: float,
                  checkpoint: Optional[checkpoints.Schedule] = None
                  ) -> lp.CourierNode:
  """The `counter` node: counts of every node, clock from `start_time`;
  with `checkpoint`, counts restored and saved."""
  return lifecycle.BoundedCourierNode(CounterNode, budget=budget,
                                      start_time=start_time,
                                      checkpoint=checkpoint)


class CounterClient:
  """Counts into a counter node without waiting for the answer."""

  def __init__(self, client: Any):
    """`client`: a (stoppable) client of the counter node."""
    self._client = client

  def increment(self, **counts: float) -> None:
    self._client.futures.increment(**counts)

  def get_counts(self) -> Dict[str, float]:
    return self._client.get_counts()
