"""The launchers of a multi_host launch agree on start, stop and outcome.

The chief's launcher (the host of the counter, launch/cluster.py) serves a
`Coordinator` over Courier on its base port; every other host's launcher is
a `Member` of it. They agree on three things:

  start    members join; once every host with nodes has joined (bounded by
           peer_timeout_seconds) all of them get the run's start time (and
           whether it resumes) and start their own nodes together.
  stop     a node anywhere that calls `lp.stop()` (the budget, a target
           return, a failure) signals its own launcher (SIGUSR2, see
           `node_stopper`), which tells the chief; the chief orders every
           host to stop, and stops its own nodes once the others have seen
           the order (so remote actors do not lose the servers first). A
           host silent for heartbeat_timeout_seconds is lost: the others
           stop, naming it.
  outcome  each launcher reports its failures when its nodes have ended; all
           of them exit with the same verdict: 0, or 1 naming every failed
           node and its host.

Courier, as between nodes: no RPC of our own. Calls carry only str, float,
bool and dicts of them.
"""

import functools
import hashlib
import json
import os
import signal
import threading
import time
from typing import Any, Callable, Dict, Mapping, Optional, Sequence

POLL_SECONDS = 0.25
CALL_TIMEOUT_SECONDS = 2.0
# The chief stops its own nodes at most this long after ordering the stop,
# even if a member has not confirmed it yet.
STOP_ACK_SECONDS = 3.0
# How long the chief keeps serving the verdict to members that have not
# fetched it yet.
VERDICT_SERVE_SECONDS = 10.0
NODE_STOP_SIGNAL = signal.SIGUSR2


class ClusterError(RuntimeError):
  """The hosts could not start together (a message for the user)."""


def fingerprint(resolved: Mapping[str, Any]) -> str:
  """A hash of a launch's resolved config, apart from where it logs (and
  isolation, which multi_host does not use): every host must launch the
  same program with the same settings."""
  same = {k: v for k, v in resolved.items()
          if k not in ('logdir', 'isolate_network')}
  text = json.dumps(same, sort_keys=True, default=str)
  return hashlib.sha256(text.encode()).hexdigest()[:16]


def node_stopper() -> Callable[[], None]:
  """The `lp.stop()` of a multi_host node: asks this host's launcher (the
  process calling this) to have the chief stop every host, instead of
  Launchpad's SIGTERM that would stop only this host's nodes."""
  return functools.partial(os.kill, os.getpid(), NODE_STOP_SIGNAL)


class _Board:
  """The chief's record of the cluster (served to members; thread-safe)."""

  def __init__(self, chief: str, members: Sequence[str], fingerprint_: str,
               heartbeat_timeout: float, addresses: Mapping[str, str]):
    self.lock = threading.Lock()
    self.chief = chief
    self.members = list(members)
    self.fingerprint = fingerprint_
    self.heartbeat_timeout = heartbeat_timeout
    self.addresses = dict(addresses)
    self.last_seen: Dict[str, float] = {}
    self.start: Optional[Dict[str, Any]] = None
    self.abort = ''
    self.stop: Optional[Dict[str, str]] = None  # {'by', 'failure'}
    self.stop_time = 0.0
    self.acked: set = set()
    self.failures: Dict[str, str] = {}  # host -> failure text ('' if none)
    self.lost: Dict[str, str] = {}
    self.fetched: set = set()

  def request_stop(self, by: str, failure: str) -> None:
    """Records the first stop; a later failure is still recorded."""
    if self.stop is None:
      self.stop = {'by': by, 'failure': failure}
      self.stop_time = time.monotonic()
    elif failure and not self.stop['failure']:
      self.stop['failure'] = failure

  def live_members(self):
    return [m for m in self.members
            if m not in self.lost and m not in self.failures]

  def check_lost(self) -> None:
    """Marks members silent for longer than the heartbeat timeout as lost
    and stops the run for them (only once the run has started)."""
    if self.start is None:
      return
    now = time.monotonic()
    for member in self.live_members():
      silent = now - self.last_seen.get(member, now)
      if silent > self.heartbeat_timeout:
        message = (f'lost host {member} ({self.addresses[member]}): no word '
                   f'from its launcher for {silent:.0f} s (killed, or the '
                   'network between the hosts is down)')
        self.lost[member] = message
        self.request_stop(member, message)

  def verdict(self) -> Optional[str]:
    """None until every host has finished or is lost; then the failures."""
    if self.chief not in self.failures or self.live_members():
      return None
    lines = [f'{host}: {text.strip()}' for host, text in self.failures.items()
             if text.strip()]
    lines += list(self.lost.values())
    if self.stop and self.stop['failure'] and not any(
        self.stop['failure'].strip() in line for line in lines):
      lines.append(f'{self.stop["by"]}: {self.stop["failure"].strip()}')
    return '\n'.join(lines)


class _Service:
  """The Courier methods members call on the chief."""

  def __init__(self, board: _Board):
    self._board = board

  def join(self, host: str, fingerprint_: str) -> Dict[str, Any]:
    board = self._board
    with board.lock:
      if host not in board.members:
        return {'state': 'abort', 'message':
                f'host {host!r} runs no node of this program (hosts with '
                f'nodes: {", ".join([board.chief] + board.members)})'}
      if fingerprint_ != board.fingerprint:
        return {'state': 'abort', 'message':
                f'host {host!r} launched another program or config than the '
                f'chief {board.chief!r}: give every host the same launch '
                'config and flags'}
      board.last_seen[host] = time.monotonic()
      if board.abort:
        return {'state': 'abort', 'message': board.abort}
      if board.start is None:
        return {'state': 'wait'}
      return {'state': 'go', **board.start}

  def heartbeat(self, host: str, stopped: bool,
                failure: str) -> Dict[str, Any]:
    board = self._board
    with board.lock:
      board.last_seen[host] = time.monotonic()
      if stopped:
        board.request_stop(host, failure)
      if board.stop is None:
        return {'stop': False}
      board.acked.add(host)
      return {'stop': True, **board.stop}

  def finish(self, host: str, failure: str) -> None:
    board = self._board
    with board.lock:
      board.last_seen[host] = time.monotonic()
      board.failures[host] = failure
      if failure:
        board.request_stop(host, failure)

  def verdict(self, host: str) -> Dict[str, Any]:
    board = self._board
    with board.lock:
      board.last_seen[host] = time.monotonic()
      board.check_lost()
      verdict = board.verdict()
      if verdict is None:
        return {'final': False}
      board.fetched.add(host)
      return {'final': True, 'failures': verdict}


class Coordinator:
  """The chief's side: serves the board and takes part as a host too."""

  def __init__(self, chief: str, members: Sequence[str],
               port: Optional[int], fingerprint_: str,
               heartbeat_timeout: float, addresses: Mapping[str, str]):
    """Serves on `port` (on every interface: Courier binds no address);
    None serves nothing, and `service` is what members call (tests)."""
    self.host = chief
    self._board = _Board(chief, members, fingerprint_, heartbeat_timeout,
                         addresses)
    self.service = _Service(self._board)
    self._server = None
    if port is not None:
      from launchpad.nodes.courier import courier_utils  # pylint: disable=g-import-not-at-top
      self._server = courier_utils.make_courier_server(self.service,
                                                       port=port)
      self._server.Start()

  def wait_for_members(self, timeout: float,
                       coordinator_address: str) -> None:
    """Returns once every member joined; raises ClusterError past
    `timeout` naming the hosts that did not."""
    deadline = time.monotonic() + timeout
    while True:
      with self._board.lock:
        missing = [m for m in self._board.members
                   if m not in self._board.last_seen]
      if not missing:
        return
      if time.monotonic() > deadline:
        names = ', '.join(f'{m} ({self._board.addresses[m]})'
                          for m in missing)
        message = (f'host(s) {names} did not join within {timeout:.0f} s: '
                   'start `python -m launch --config=<the same file> '
                   f'--host=NAME` on each, and check that they can reach '
                   f'the chief at {coordinator_address}')
        with self._board.lock:
          self._board.abort = message
        time.sleep(3 * POLL_SECONDS + CALL_TIMEOUT_SECONDS)  # Tell them.
        raise ClusterError(message)
      time.sleep(POLL_SECONDS)

  def start(self, start_time: float, resume: bool) -> None:
    """Lets every member start its nodes."""
    # Members start heartbeating once their nodes are forked: a loaded host
    # may take a while, so the first silence allowed is twice as long.
    grace = time.monotonic() + self._board.heartbeat_timeout
    with self._board.lock:
      for member in self._board.members:
        self._board.last_seen[member] = grace
      self._board.start = {'start_time': start_time, 'resume': resume}

  def poll(self, stopped: bool, failure: str) -> Optional[Dict[str, str]]:
    """One look; a stop order ({'by', 'failure'}) once this host's nodes
    should stop: the stop was asked and every member has seen it (or
    STOP_ACK_SECONDS passed)."""
    board = self._board
    with board.lock:
      if stopped:
        board.request_stop(self.host, failure)
      board.check_lost()
      if board.stop is None:
        return None
      waiting = [m for m in board.live_members() if m not in board.acked]
      if waiting and time.monotonic() - board.stop_time < STOP_ACK_SECONDS:
        return None
      return dict(board.stop)

  def finish(self, failure: str) -> str:
    """Records this host's outcome, waits for every member's (or its loss),
    serves the verdict to them for a while, and returns it ('' if none
    failed)."""
    board = self._board
    with board.lock:
      board.failures[self.host] = failure
      if failure:
        board.request_stop(self.host, failure)
    while True:
      with board.lock:
        board.check_lost()
        verdict = board.verdict()
      if verdict is not None:
        break
      time.sleep(POLL_SECONDS)
    deadline = time.monotonic() + VERDICT_SERVE_SECONDS
    while time.monotonic() < deadline:
      with board.lock:
        if set(board.failures) - {self.host} <= board.fetched:
          break
      time.sleep(POLL_SECONDS)
    return verdict

  def close(self) -> None:
    if self._server is not None:
      self._server.Stop()
      self._server.Join()


class Member:
  """A non-chief host's side: joins the chief and follows it."""

  def __init__(self, host: str, chief: str, coordinator_address: str,
               heartbeat_timeout: float, client: Any = None):
    """`client`: what to call the chief's methods on (default: a Courier
    client of `coordinator_address`; tests pass a Coordinator's service)."""
    self.host = host
    self._chief = chief
    self._address = coordinator_address
    self._heartbeat_timeout = heartbeat_timeout
    if client is None:
      import courier  # pylint: disable=g-import-not-at-top
      client = courier.Client(coordinator_address,
                              call_timeout=CALL_TIMEOUT_SECONDS)
    self._client = client
    self._last_answer = time.monotonic()

  def join(self, fingerprint_: str, timeout: float) -> Dict[str, Any]:
    """Waits for the chief's go: {'start_time', 'resume'}.

    Raises:
      ClusterError: the chief refused, or did not answer within `timeout`.
    """
    deadline = time.monotonic() + timeout
    answered = False
    while True:
      try:
        answer = self._client.join(self.host, fingerprint_)
        answered = True
      except Exception:  # pylint: disable=broad-except
        answer = {'state': 'unreachable'}
      if answer['state'] == 'go':
        self._last_answer = time.monotonic()
        return answer
      if answer['state'] == 'abort':
        raise ClusterError(answer['message'])
      if time.monotonic() > deadline:
        if answered:
          raise ClusterError(f'the chief {self._chief} at {self._address} '
                             f'did not start the run within {timeout:.0f} s '
                             '(other hosts missing?)')
        raise ClusterError(f'could not reach the chief {self._chief} at '
                           f'{self._address} within {timeout:.0f} s: is its '
                           'launcher running, and is the port open?')
      time.sleep(POLL_SECONDS)

  def _lost_chief(self) -> Dict[str, str]:
    return {'by': self._chief, 'failure':
            f'lost the chief {self._chief} at {self._address}: no answer for '
            f'{self._heartbeat_timeout:.0f} s (killed, or the network between '
            'the hosts is down)'}

  def poll(self, stopped: bool, failure: str) -> Optional[Dict[str, str]]:
    """One heartbeat; a stop order once the chief gives one or is lost."""
    try:
      answer = self._client.heartbeat(self.host, stopped, failure)
    except Exception:  # pylint: disable=broad-except
      if time.monotonic() - self._last_answer > self._heartbeat_timeout:
        return self._lost_chief()
      return None
    self._last_answer = time.monotonic()
    if answer['stop']:
      return {'by': answer['by'], 'failure': answer['failure']}
    return None

  def finish(self, failure: str) -> str:
    """Reports this host's outcome; returns the cluster's verdict (or, if
    the chief is lost meanwhile, this host's failures and that loss)."""
    reported = False
    while True:
      try:
        if not reported:
          self._client.finish(self.host, failure)
          reported = True
        answer = self._client.verdict(self.host)
        self._last_answer = time.monotonic()
        if answer['final']:
          return answer['failures']
      except Exception:  # pylint: disable=broad-except
        if time.monotonic() - self._last_answer > self._heartbeat_timeout:
          return '\n'.join(filter(None, [
              f'{self.host}: {failure.strip()}' if failure else '',
              self._lost_chief()['failure']]))
      time.sleep(POLL_SECONDS)

  def close(self) -> None:
    pass


class Watcher:
  """A thread that, while this host's nodes run, passes local stops to the
  coordinator and its stop orders to the local nodes (SIGTERM to this
  launcher, which Launchpad's WorkerManager turns into a stop)."""

  def __init__(self, link: Any, failure_file: str,
               stop_local: Optional[Callable[[], None]] = None):
    """`stop_local` stops this host's nodes (default: SIGTERM to this
    launcher, which its WorkerManager handles)."""
    self._link = link
    self._stop_local = stop_local or functools.partial(
        os.kill, os.getpid(), signal.SIGTERM)
    # Launchpad's WorkerManager's (SIGTERM, Ctrl-C), once it exists: see
    # `follow`.
    self._local_stop = threading.Event()
    self.node_stop = threading.Event()  # A node's lp.stop() (SIGUSR2).
    self._failure_file = failure_file
    self._done = threading.Event()
    self.order: Optional[Dict[str, str]] = None
    self._thread = threading.Thread(target=self._run, name='cluster-watcher',
                                    daemon=True)

  def on_node_stop(self, signum, frame) -> None:  # A signal handler.
    del signum, frame
    self.node_stop.set()

  def follow(self, local_stop_event: threading.Event) -> None:
    """Watches `local_stop_event` (once the WorkerManager exists)."""
    self._local_stop = local_stop_event

  def start(self) -> None:
    self._thread.start()

  def _run(self) -> None:
    while not self._done.is_set():
      stopped = self._local_stop.is_set() or self.node_stop.is_set()
      failure = ''
      if stopped:
        with open(self._failure_file) as f:
          failure = f.read()
      order = self._link.poll(stopped, failure)
      if order is not None and self.order is None:
        self.order = order
        # Not once this host's nodes stop or have ended: a SIGTERM after
        # the WorkerManager's wait would arm its kill alarm again, and
        # Launchpad would SIGKILL this launcher while it waits for the
        # verdict.
        if not (self._local_stop.is_set() or self._done.is_set()):
          self._stop_local()
      self._done.wait(POLL_SECONDS)

  def join(self) -> None:
    self._done.set()
    self._thread.join(timeout=CALL_TIMEOUT_SECONDS + 1)
