"""The `variable_server` node: the learner's variables, cached for readers.

Actors and evaluators read here, so however many there are the learner
answers one request per period (Launchpad 0.5.2 has no CacherNode).
`variable_source` turns what a program hands a reader (a variable server,
or the shards of a parameter server) into one `get_variables` source.
"""

import threading
import time
from typing import Any, List, Optional, Sequence

from absl import logging
import launchpad as lp

from agents.common import parameter_server
from programs.nodes import lifecycle


class VariableServer:
  """Pulls variables from a source on a period and serves them to readers."""

  @lifecycle.guarded
  def __init__(self, source: Any, names: Sequence[str],
               refresh_seconds: float):
    self._source = lifecycle.StoppableClient(source)
    self._names = list(names)
    self._refresh_seconds = refresh_seconds
    self._variables: Optional[List[Any]] = None
    self._ready = threading.Event()
    # Read here: on Courier's threads (get_variables) lp.stop_event() fails.
    self._stop = lifecycle.stop_event()

  def get_variables(self, names: Sequence[str]) -> List[Any]:
    """The latest copy for `names` (a subset of the served names).

    Blocks (at most CALL_TIMEOUT_SECONDS) until the first copy arrived;
    gives up at the stop, so that the node's server can stop at once
    instead of waiting for readers' calls in flight.
    """
    deadline = time.monotonic() + lifecycle.CALL_TIMEOUT_SECONDS
    while not self._ready.wait(lifecycle.POLL_SECONDS):
      if self._stop is not None and self._stop.is_set():
        raise lifecycle.Stopped('get_variables')
      if time.monotonic() > deadline:
        raise TimeoutError('The variable server has no variables yet.')
    variables = dict(zip(self._names, self._variables))
    return [variables[name] for name in names]

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    while not stop.is_set():
      started = time.time()
      try:
        self._variables = self._source.get_variables(self._names)
        self._ready.set()
      except lifecycle.Stopped:
        return
      except Exception as e:  # pylint: disable=broad-except
        logging.warning('Variable server: source not answering (%s).', e)
      stop.wait(max(0.0, self._refresh_seconds - (time.time() - started)))


def build_variable_server(source: lp.CourierHandle, names: Sequence[str],
                          refresh_seconds: float) -> lp.CourierNode:
  """A variable server reading `names` from `source` every
  `refresh_seconds`."""
  return lifecycle.BoundedCourierNode(
      VariableServer, source=source, names=names,
      refresh_seconds=refresh_seconds)


def variable_source(source: Any) -> Any:
  """What readers call `get_variables` on, from a dereferenced handle: a
  variable server's client, or the clients of a parameter server's shards
  (a list), seen as one source. Calls give up at the stop."""
  if isinstance(source, (list, tuple)):
    return parameter_server.ShardedParameters(lifecycle.stoppable(source))
  return lifecycle.stoppable(source)
