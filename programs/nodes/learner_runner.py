"""The `learner` node: serves an agent's learner and steps it in a daemon
thread until the program stops."""

import threading
from typing import Any, Callable, List, Sequence

import launchpad as lp

from programs.nodes import lifecycle

# make_learner(**handles) -> an acme.core.Learner (step, get_variables),
# built in the learner's process from the dereferenced, stoppable handles.
LearnerFactory = Callable[..., Any]


class LearnerRunner:
  """Serves a learner and steps it in a daemon thread until the stop.

  The thread keeps the node's main thread free to see the stop: a main
  thread blocked in a dataset read would never return and Launchpad would
  SIGKILL the whole program. `step()` is exposed for tests (disable_run).
  """

  @lifecycle.guarded
  def __init__(self, make_learner: LearnerFactory, **handles: Any):
    self._learner = make_learner(
        **{k: lifecycle.stoppable(v) for k, v in handles.items()})

  def get_variables(self, names: Sequence[str]) -> List[Any]:
    return self._learner.get_variables(names)

  def step(self) -> None:
    self._learner.step()

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    failure = []

    def train() -> None:
      try:
        while not stop.is_set():
          self._learner.step()
      except lifecycle.Stopped:
        pass
      except Exception as e:  # pylint: disable=broad-except
        failure.append(e)

    threading.Thread(target=train, name='learner', daemon=True).start()
    while not stop.wait(lifecycle.POLL_SECONDS):
      if failure:  # Raised here, the node fails and the launch with it.
        raise RuntimeError('The learner failed.') from failure[0]


def build_learner(make_learner: LearnerFactory,
                  **handles: Any) -> lp.CourierNode:
  """A learner node: `make_learner(**handles)` (replay, counter, shards...)
  built in its process, served (get_variables, step) and stepped."""
  return lifecycle.BoundedCourierNode(LearnerRunner,
                                      make_learner=make_learner, **handles)
