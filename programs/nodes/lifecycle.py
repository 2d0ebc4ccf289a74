"""How a node lives and ends.

  guarded             wraps a node's `__init__` / `run`: a failure is written
                      for the launcher and stops the whole program (in a
                      restartable node process it only ends the process);
                      after `run`, the process exit is bounded (exit
                      watchdog).
  Stopped             the one event "the program stopped while this node
                      waited on another"; `guarded` treats it as a clean end.
  StoppableClient     the one Courier client every node uses to call another:
                      each call (and each future, e.g. the parameter-server
                      client's calls to all shards at once) gives up with
                      Stopped when the program stops; `wait_until_listening`
                      lets a first call go out as soon as its server is up.
  BoundedCourierNode  a CourierNode whose handles' clients time out.
"""

from concurrent import futures
import faulthandler
import functools
import os
import socket
import sys
import time
import traceback
from typing import Any, Callable, Optional

import launchpad as lp
from launchpad import context as lp_context

# Bounds every RPC between nodes (seconds). Long enough for a peer that is
# still importing TensorFlow at start-up; a dead peer fails the call.
CALL_TIMEOUT_SECONDS = 60
POLL_SECONDS = 0.5  # How often waits look at the stop event.
# How often `StoppableClient.wait_until_listening` tries its server's port.
PROBE_SECONDS = 0.05
# Seconds a node process may take to exit after its run() ended. Past that,
# faulthandler prints every thread's stack (so the hang can be fixed) and
# ends the process; Launchpad would otherwise SIGKILL the whole launch.
EXIT_SECONDS = 5.0
# The launcher sets this; a failing node appends its traceback there so the
# launch can exit non-zero (Launchpad ignores node exit codes in local_mp).
FAILURE_FILE_ENV = 'DISTRL_FAILURE_FILE'
# Set in a node process that launch/supervise.py restarts when it dies
# (local_mp actors, evaluators, workers).
RESTARTABLE_ENV = 'DISTRL_RESTARTABLE'
# The node's title ('actor/1'), set by launch/local_mp.py in node processes.
NODE_TITLE_ENV = 'DISTRL_NODE_TITLE'


class Stopped(Exception):
  """The program is stopping: a call to another node was abandoned."""


class PeerUnreachable(Exception):
  """A call to another node got no answer in time (its node is not
  serving, or, across hosts, its port is closed); names the address."""


# What Courier's errors say when the peer never answered.
_UNREACHABLE = ('Deadline Exceeded', 'failed to connect', 'Connection refused')
# ... what Reverb's say when its server went away mid-connection, and what
# Courier's say when the peer gave up a call at its own stop (a Stopped
# raised on the server, e.g. by the variable server's get_variables).
_PEER_GONE = _UNREACHABLE + ('Socket closed', 'Connection reset',
                             'UNAVAILABLE',
                             f'{Stopped.__module__}.{Stopped.__name__}')
# How long a node that lost a peer waits for the program's stop before it
# calls the loss a failure. Hosts of a multi_host run stop a few seconds
# apart (launch/coordinator.py's STOP_ACK_SECONDS), and a local launch's
# processes in some order: a peer gone just before the stop reached this
# node is the stop, not a failure.
STOP_GRACE_SECONDS = 10.0


def report_failure(node: Any) -> None:
  """Records the current exception for the launcher and stops the program."""
  failure_file = os.environ.get(FAILURE_FILE_ENV)
  if failure_file:
    with open(failure_file, 'a') as f:
      title = os.environ.get(NODE_TITLE_ENV)
      name = f'{title} ({type(node).__name__})' if title else (
          type(node).__name__)
      f.write(f'{name} failed:\n{traceback.format_exc()}\n')
  lp.stop()


def stop_event() -> Optional[Any]:
  """The program's stop event, or None where there is none (outside a
  launched node, or on a thread Launchpad did not start, e.g. Courier's)."""
  try:
    return lp.stop_event()
  except RuntimeError:
    return None


def stopping() -> bool:
  """True once the program is stopping (False outside a launched node)."""
  event = stop_event()
  return event is not None and event.is_set()


def check_stop(what: str = '') -> None:
  """Raises Stopped (naming `what`) once the program is stopping: for waits
  that poll, e.g. a learner's for its replay table
  (`agents.common.replay_datasets`)."""
  if stopping():
    raise Stopped(what)


def stop_checker(what: str = '') -> Callable[[], None]:
  """`check_stop` for another thread: a function that raises Stopped (naming
  `what`) once the program stops, with the stop event of the thread that
  calls this (threads Launchpad did not start have none). Never raises
  outside a launched node."""
  event = stop_event()

  def check() -> None:
    if event is not None and event.is_set():
      raise Stopped(what)
  return check


def stop_follows(error: BaseException, stop: Optional[Any],
                 grace: float = STOP_GRACE_SECONDS) -> bool:
  """True if `error` says a peer is gone and the stop event `stop` is set,
  or is set within `grace` seconds: the program's stop, reaching this node
  later than the peer. Any other error is a failure, stop or not."""
  if stop is None or not (isinstance(error, PeerUnreachable) or any(
      text in str(error) for text in _PEER_GONE)):
    return False
  return stop.wait(grace)


def guarded(method: Callable[..., None]) -> Callable[..., None]:
  """Wraps a node's `__init__` or `run`: a failure stops the whole program;
  after `run` the process exit is bounded by EXIT_SECONDS.

  Launchpad 0.5.2's local_mp launcher does not notice a node that crashed,
  so without this a dead learner would leave actors waiting until the budget.

  In a restartable node process (RESTARTABLE_ENV set by launch/supervise.py)
  a failure only ends the process with an error (and its traceback): its
  supervisor starts it again, and reports it to the launcher once its
  restarts are used up. A failure after the stop began is reported as
  above, since nothing restarts then.
  """

  @functools.wraps(method)
  def wrapper(self, *args, **kwargs) -> None:
    try:
      method(self, *args, **kwargs)
    except Stopped:
      pass  # A call abandoned at the stop: a clean end, not a failure.
    except Exception as e:  # pylint: disable=broad-except
      if stop_follows(e, stop_event()):
        print(f'{type(self).__name__}.{method.__name__}: {type(e).__name__} '
              'from a peer that stopped first; a clean end.', flush=True)
        return
      _fail(self)
      raise
    except BaseException:
      _fail(self)
      raise
    finally:
      if method.__name__ == 'run' and _in_own_process():
        # Not in threads: there the watchdog would end the test process.
        faulthandler.dump_traceback_later(EXIT_SECONDS, exit=True)

  return wrapper


def _fail(node: Any) -> None:
  """What `guarded` does with the failure being raised in `node`."""
  if os.environ.get(RESTARTABLE_ENV) and not stopping():
    # The traceback follows once the exception ends the process (Python
    # prints it; for colocated threads Launchpad's WorkerManager does).
    print(f'{type(node).__name__} failed with '
          f'{type(sys.exc_info()[1]).__name__}; the process ends and '
          'its supervisor restarts it.', file=sys.stderr, flush=True)
  else:
    report_failure(node)


def _in_own_process() -> bool:
  """True in a node launched as a process of its own (local_mp)."""
  try:
    launch_type = lp_context.get_context().launch_type
  except AssertionError:  # Not in a launched node (e.g. a unit test).
    return False
  return launch_type == lp.LaunchType.LOCAL_MULTI_PROCESSING


class BoundedCourierNode(lp.CourierNode):
  """A CourierNode whose handles make clients with a call timeout
  (rule: every wait is bounded)."""

  def create_handle(self) -> lp.CourierHandle:
    handle = super().create_handle()
    handle.set_client_kwargs(call_timeout=CALL_TIMEOUT_SECONDS)
    return handle


class StoppableFuture:
  """A call in flight whose `result()` gives up when the program stops."""

  def __init__(self, future: futures.Future, should_stop: Callable[[], bool],
               method: str, address: str = '?'):
    self._future = future
    self._should_stop = should_stop
    self._method = method
    self._address = address

  def done(self) -> bool:
    return self._future.done()

  def result(self) -> Any:
    """The answer; raises Stopped if the program stops first.

    A call that fails once the program is stopping (its server is already
    gone) is a Stopped too, not a failure of this node.
    """
    while True:
      try:
        return self._future.result(timeout=POLL_SECONDS)
      except futures.TimeoutError:
        if self._should_stop():
          self._future.cancel()
          raise Stopped(self._method) from None
      except Exception as e:  # pylint: disable=broad-except
        if self._should_stop():
          raise Stopped(self._method) from None
        if any(text in str(e) for text in _UNREACHABLE):
          raise PeerUnreachable(
              f'{self._method}() to the node at {self._address} got no '
              f'answer ({e}): that node is not running, is busy past the '
              'call timeout, or (multi_host) its port is closed between '
              'the hosts') from e
        raise


class _StoppableFutures:
  """`client.futures` whose calls return StoppableFutures."""

  def __init__(self, client: Any, should_stop: Callable[[], bool]):
    # The client itself, not only its `futures`: a courier Client shuts its
    # channel down when it is collected, and a call made after that aborts
    # the process (a gRPC assertion), so whatever makes calls keeps it.
    self._client = client
    self.should_stop = should_stop
    # Courier's 'host:port' of the server, for messages and probes.
    self.address = getattr(client, '_address', '?')

  def call(self, method: str, *args: Any, **kwargs: Any) -> StoppableFuture:
    future = getattr(self._client.futures, method)(*args, **kwargs)
    return StoppableFuture(future, self.should_stop, method, self.address)

  def __getattr__(self, method: str) -> Callable[..., StoppableFuture]:
    if method.startswith('_'):
      raise AttributeError(method)
    return functools.partial(self.call, method)


class StoppableClient:
  """A Courier client whose calls give up when the program stops.

  A plain call to a node that has already stopped waits for its server until
  the call timeout; in a hot loop that holds the process past the shutdown.
  Here every call is a future polled against `should_stop`.
  """

  def __init__(self, client: Any,
               should_stop: Optional[Callable[[], bool]] = None):
    """Wraps `client` (a Courier client); `should_stop` defaults to the
    program's stop event."""
    self._futures = _StoppableFutures(client,
                                      should_stop or lp.stop_event().is_set)

  @property
  def futures(self) -> _StoppableFutures:
    return self._futures

  def wait_until_listening(
      self, timeout_seconds: float = CALL_TIMEOUT_SECONDS) -> bool:
    """Waits until the server accepts TCP connections; whether it did.

    gRPC opens a channel at its first call, and while the server is not
    listening yet it retries after 1 s, then 1.6 s, ... (its reconnect
    backoff): a first call made while the server was still starting goes
    out up to ~1.6 s after it could have. A node whose first call is on
    its critical path (an environment worker's first actions) calls this
    first: a plain TCP connect every PROBE_SECONDS, so the call connects
    as soon as the server listens. False (program stopped, timeout, or an
    address this cannot read) leaves the waiting to the call itself.
    """
    host, _, port = self._futures.address.rpartition(':')
    if not host or not port.isdigit():
      return False
    host = host.strip('[]')
    deadline = time.monotonic() + timeout_seconds
    while not self._futures.should_stop():
      try:
        with socket.create_connection((host, int(port)),
                                      timeout=PROBE_SECONDS):
          return True
      except OSError:
        if time.monotonic() > deadline:
          return False
        time.sleep(PROBE_SECONDS)
    return False

  def call(self, method: str, *args: Any, **kwargs: Any) -> Any:
    return self._futures.call(method, *args, **kwargs).result()

  def __getattr__(self, method: str) -> Callable[..., Any]:
    if method.startswith('_'):
      raise AttributeError(method)
    # A bound partial: whoever keeps the method keeps the client alive.
    return functools.partial(self.call, method)


def stoppable(value: Any) -> Any:
  """A node's handle argument, dereferenced, as the node should use it:
  Courier clients (also in lists, e.g. parameter shards) become
  StoppableClients; anything else (a Reverb client, a value) is unchanged."""
  if isinstance(value, lp.CourierClient):
    return StoppableClient(value)
  if isinstance(value, (list, tuple)):
    return [stoppable(v) for v in value]
  return value
