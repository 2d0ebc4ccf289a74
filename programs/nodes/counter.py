"""The run's counts and clock, and the budget watch.

Three kinds of counter meet here:
  acme's `counting.Counter`  the in-process sum of counts (keys add up).
  CounterNode                that Counter served as the `counter` node; its
                             `run` watches the budget and stops the program.
  CounterClient              what other nodes hold: increments go out
                             without waiting for the answer.
"""

import time
from typing import Any, Dict

from acme.utils import counting
import launchpad as lp

from programs.nodes import budget as budget_lib
from programs.nodes import lifecycle


class CounterNode(counting.Counter):
  """acme's Counter that also ends the run when the budget is reached.

  `run` polls the counts and the clock; at the budget it calls `lp.stop()`,
  which stops every node of the program (returning would end only this one).
  """

  def __init__(self, budget: budget_lib.Budget, start_time: float):
    super().__init__()
    self._budget = budget
    self._start_time = start_time

  @lifecycle.guarded
  def run(self) -> None:
    while not lp.wait_for_stop(lifecycle.POLL_SECONDS):
      reason = self._budget.reached(self.get_counts(),
                                    time.time() - self._start_time)
      if reason:
        print(f'[counter] budget reached ({reason}) after '
              f'{time.time() - self._start_time:.1f} s; counts '
              f'{self.get_counts()}; stopping the program.', flush=True)
        lp.stop()
        return


def build_counter(budget: budget_lib.Budget,
                  start_time: float) -> lp.CourierNode:
  """The `counter` node: counts of every node, clock from `start_time`."""
  return lifecycle.BoundedCourierNode(CounterNode, budget=budget,
                                      start_time=start_time)


class CounterClient:
  """Counts into a counter node without waiting for the answer."""

  def __init__(self, client: Any):
    """`client`: a (stoppable) client of the counter node."""
    self._client = client

  def increment(self, **counts: float) -> None:
    self._client.futures.increment(**counts)

  def get_counts(self) -> Dict[str, float]:
    return self._client.get_counts()
