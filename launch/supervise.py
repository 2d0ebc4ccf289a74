r"""Restarts a node process that dies: `python -m launch.supervise`.

  python -m launch.supervise --title=actor/0 --max_restarts=3 -- \
      python .../process_entry.py --data_file ... --lp_task_id 0

The local_mp launcher (launch/local_mp.py) runs each actor, evaluator and
worker node under this supervisor. It starts the node command as its child
(same stdout, stderr and environment, plus DISTRL_RESTARTABLE=1 and
DISTRL_RESTART_COUNT=<k>) and waits for it:

  child exit, no stop asked       what the supervisor does
  0                               exits 0: the node ended by itself
  non-zero code or signal         prints why, restarts the same command (same
                                  node, seed stream and handles) after
                                  RESTART_PAUSE_SECONDS, up to --max_restarts
                                  times; then appends to the launcher's
                                  failure file and exits 1, so Launchpad's
                                  WorkerManager stops the whole program

Stops: SIGTERM (the launcher's stop, repeated every second until the nodes
are gone) is forwarded to the child; SIGINT (Ctrl-C reaches the whole
process group, the child included) is not. Either one ends restarting, and
the supervisor then exits with the child:
  0 if the child ended with 0, 1, SIGTERM, SIGINT, SIGALRM or SIGKILL.
    After a stop every node is on its way out, and these say how, not
    whether it failed: 1 is the exit watchdog (lifecycle.EXIT_SECONDS) or an
    exception during the stop, which lifecycle.guarded reports in the
    failure file itself, as without a supervisor; SIGTERM/SIGINT is the stop
    arriving before the node set its handlers (still importing); SIGALRM
    and SIGKILL are the node's own Launchpad termination notice (a 1 s
    alarm re-armed each second, fatal once Python has dropped its handlers
    while finalizing: seen on an evaluator; then a SIGKILL when the notice
    runs out).
  1 for anything else (a crash while stopping, e.g. SIGSEGV), with a line
    saying so. Launchpad ignores exit codes after the stop, so this only
    informs; it fails nothing.

Standard library only, so it starts in ~0.1 s and holds no Launchpad or
TensorFlow memory.
"""

import argparse
import ctypes
import os
import signal
import subprocess
import sys
import time
from typing import List, Optional, Sequence

# Same values as programs.nodes.lifecycle.FAILURE_FILE_ENV and
# RESTARTABLE_ENV, copied: importing `programs` loads Launchpad, acme and
# every program module (~1 s here against ~0.1 s for this whole command;
# programs/__init__.py builds PROGRAMS), and `programs` may not import
# `launch` (imports point down).
# tests/launch/restart_test.py checks that the copies agree.
FAILURE_FILE_ENV = 'DISTRL_FAILURE_FILE'
# Set by the launcher; one line per restart (time, node, exit, k of N).
RESTARTS_FILE_ENV = 'DISTRL_RESTARTS_FILE'
# Set for the child: lifecycle.guarded then lets a failure end the process
# (this supervisor restarts it) instead of stopping the whole program.
RESTARTABLE_ENV = 'DISTRL_RESTARTABLE'
RESTART_COUNT_ENV = 'DISTRL_RESTART_COUNT'  # 0 for the first start.
# Between a death and the restart: lets the dead node's connections close,
# and keeps a node that dies at once from spinning.
RESTART_PAUSE_SECONDS = 0.5
# Child exit codes that end a stop cleanly (see the module docstring).
_CLEAN_AFTER_STOP = (0, 1, -signal.SIGTERM, -signal.SIGINT, -signal.SIGALRM,
                     -signal.SIGKILL)
_PR_SET_PDEATHSIG = 1


def describe(returncode: int) -> str:
  """'code 1' or 'SIGKILL (-9)', for Popen's returncode."""
  if returncode < 0:
    try:
      return f'{signal.Signals(-returncode).name} ({returncode})'
    except ValueError:
      return f'signal {-returncode} ({returncode})'
  return f'code {returncode}'


def die_with_parent_fn():
  """A Popen preexec_fn: the child gets SIGTERM if its parent (this
  supervisor, or the launcher for the nodes it starts) dies, e.g. is
  SIGKILLed alone, so no node outlives the process that started it.
  None where there is no prctl (not Linux): the launcher's process-tree kill
  still applies."""
  try:
    prctl = ctypes.CDLL(None).prctl  # Loaded here, not after the fork.
  except (OSError, AttributeError):
    return None
  return lambda: prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Supervisor:
  """Runs `command` until it ends cleanly, restarting it when it dies."""

  def __init__(self, title: str, command: Sequence[str], max_restarts: int):
    self._title = title
    self._command = list(command)
    self._max_restarts = max_restarts
    self._child: Optional[subprocess.Popen] = None
    self._stopping = False
    self._preexec_fn = die_with_parent_fn()

  def _on_sigterm(self, signum, frame) -> None:
    del signum, frame
    self._stopping = True
    self._forward(signal.SIGTERM)

  def _on_sigint(self, signum, frame) -> None:
    del signum, frame
    # The child got the same Ctrl-C from the terminal; the launcher's
    # SIGTERM follows and is forwarded.
    self._stopping = True

  def _forward(self, signum: int) -> None:
    child = self._child
    if child is not None and child.returncode is None:
      try:
        os.kill(child.pid, signum)  # Not Popen.send_signal: no reaping here.
      except ProcessLookupError:
        pass  # Exited, not yet waited for.

  def _start(self, restart_count: int) -> subprocess.Popen:
    env = {**os.environ, RESTARTABLE_ENV: '1',
           RESTART_COUNT_ENV: str(restart_count)}
    child = subprocess.Popen(self._command, env=env,
                             preexec_fn=self._preexec_fn)
    self._child = child
    if self._stopping:  # The stop came while it was being started.
      self._forward(signal.SIGTERM)
    return child

  def _pause(self) -> None:
    """RESTART_PAUSE_SECONDS, cut short by a stop."""
    deadline = time.monotonic() + RESTART_PAUSE_SECONDS
    while not self._stopping and time.monotonic() < deadline:
      time.sleep(0.05)

  def run(self) -> int:
    """Supervises until the end; returns the supervisor's exit code."""
    signal.signal(signal.SIGTERM, self._on_sigterm)
    signal.signal(signal.SIGINT, self._on_sigint)
    restarts = 0
    while True:
      returncode = self._start(restarts).wait()
      if self._stopping:
        if returncode in _CLEAN_AFTER_STOP:
          return 0
        _say(f'{self._title} exited with {describe(returncode)} while '
             'stopping')
        return 1
      if returncode == 0:
        return 0
      if restarts == self._max_restarts:
        _say(f'{self._title} exited with {describe(returncode)}; no restarts '
             f'left ({self._max_restarts} used)')
        _append(os.environ.get(FAILURE_FILE_ENV),
                f'{self._title} failed {restarts + 1} time(s) '
                f'({restarts} restart(s), --max_restarts={self._max_restarts}'
                f'); last exit: {describe(returncode)}. Its output above says '
                'why.\n')
        return 1
      restarts += 1
      line = (f'{self._title} exited with {describe(returncode)}; restart '
              f'{restarts} of {self._max_restarts}')
      _say(line)
      _append(os.environ.get(RESTARTS_FILE_ENV),
              f'{time.strftime("%Y-%m-%dT%H:%M:%S")} {line}\n')
      self._pause()
      if self._stopping:
        return 0


def _say(message: str) -> None:
  print(f'[supervise] {message}', flush=True)


def _append(path: Optional[str], text: str) -> None:
  if path:
    with open(path, 'a') as f:
      f.write(text)


def parse_restarts(text: str) -> List[str]:
  """Node titles, one per restart line that the supervisors appended to
  the RESTARTS_FILE_ENV file (`<time> <title> exited with ...`)."""
  return [line.split()[1] for line in text.splitlines() if line.strip()]


def main(argv: Sequence[str]) -> int:
  parser = argparse.ArgumentParser(
      prog='python -m launch.supervise',
      description='Runs a node command; restarts it when it dies.')
  parser.add_argument('--title', required=True,
                      help='Node name in messages, e.g. actor/0.')
  parser.add_argument('--max_restarts', type=int, required=True,
                      help='Restarts before the node counts as failed.')
  parser.add_argument('command', nargs=argparse.REMAINDER,
                      help='-- then the node command.')
  args = parser.parse_args(argv)
  command = args.command[1:] if args.command[:1] == ['--'] else args.command
  if not command:
    parser.error('no node command after --')
  if args.max_restarts < 0:
    parser.error(f'--max_restarts={args.max_restarts} must be >= 0')
  return Supervisor(args.title, command, args.max_restarts).run()


if __name__ == '__main__':
  sys.exit(main(sys.argv[1:]))
