"""Bounded launches for tests: own session, hard timeout, nothing left behind.

Every launch runs `python -m launch ...` in a new session (so its process
group and every node share one id) with output to a file. Leaving the
context kills whatever of that session still runs, on every exit path;
`leftovers()` lets a test assert that nothing had to be killed.
"""

import os
import signal
import subprocess
import sys
import tempfile
import time
from typing import List, Sequence

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def session_pids(session_id: int) -> List[int]:
  """Live processes whose session is `session_id` (zombies excluded)."""
  pids = []
  for entry in os.listdir('/proc'):
    if not entry.isdigit():
      continue
    try:
      with open(f'/proc/{entry}/stat') as f:
        fields = f.read().rsplit(')', 1)[1].split()
    except OSError:
      continue
    state, session = fields[0], int(fields[3])
    if session == session_id and state != 'Z':
      pids.append(int(entry))
  return pids


def kill_session(process: subprocess.Popen) -> List[int]:
  """SIGKILL to every live process of `process`'s session (it leads one);
  waits for `process`. Returns the pids killed."""
  killed = session_pids(process.pid)
  for pid in killed:
    try:
      os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
      pass
  if process.poll() is None:
    process.wait(timeout=10)
  return killed


class Launch:
  """`with Launch(['--env=catch', ...]) as launch: launch.wait(60)`."""

  def __init__(self, args: Sequence[str], timeout_seconds: float,
               wrapper: Sequence[str] = ()):
    """`wrapper` prefixes the command, e.g. `ip netns exec NAME`."""
    self.args = list(args)
    self.wrapper = list(wrapper)
    self.timeout_seconds = timeout_seconds
    self._log = tempfile.NamedTemporaryFile('w+', suffix='.log', delete=False)
    self.process = None
    self.returncode = None
    self.killed = []
    self._final_output = None

  def __enter__(self) -> 'Launch':
    self._started = time.time()
    self.process = subprocess.Popen(
        self.wrapper + [sys.executable, '-m', 'launch'] + self.args,
        cwd=REPO,
        stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        start_new_session=True)
    return self

  @property
  def pid(self) -> int:
    return self.process.pid

  def output(self) -> str:
    if self._final_output is not None:
      return self._final_output
    with open(self._log.name, errors='replace') as f:
      return f.read()

  def wait_for_output(self, text: str, timeout_seconds: float) -> bool:
    deadline = time.time() + timeout_seconds
    while time.time() < deadline:
      if text in self.output():
        return True
      if self.process.poll() is not None:
        return text in self.output()
      time.sleep(0.2)
    return False

  def wait(self, timeout_seconds: float = None) -> int:
    """Exit code of the launcher; raises TimeoutError past the timeout."""
    remaining = self.timeout_seconds - (time.time() - self._started)
    timeout = remaining if timeout_seconds is None else timeout_seconds
    try:
      self.returncode = self.process.wait(timeout=max(timeout, 0.1))
    except subprocess.TimeoutExpired:
      raise TimeoutError(f'launch {self.args} still running after '
                         f'{timeout:.0f} s:\n{self.output()[-3000:]}') from None
    return self.returncode

  def interrupt(self) -> None:
    """Ctrl-C as a terminal sends it: SIGINT to the whole process group."""
    os.killpg(self.pid, signal.SIGINT)

  def leftovers(self, grace_seconds: float = 3.0) -> List[int]:
    """Processes of this launch still alive after `grace_seconds`."""
    deadline = time.time() + grace_seconds
    while time.time() < deadline and session_pids(self.pid):
      time.sleep(0.2)
    return session_pids(self.pid)

  def __exit__(self, *exc) -> None:
    # Kill by id only what this launch started, on every exit path.
    self.killed = kill_session(self.process)
    self._final_output = self.output()
    self._log.close()
    os.unlink(self._log.name)


def launch_test_mt(test_case, program):
  """Launches `program` in threads (test_mt) with its learners not running.

  Returns:
    (learner clients, counter client); the test steps the learners itself.
  """
  import launchpad as lp  # pylint: disable=g-import-not-at-top
  for node in program.groups['learner']:
    node.disable_run()
  lp.launch(program, launch_type='test_mt', test_case=test_case)
  learners = [dereference(n) for n in program.groups['learner']]
  (counter_node,) = program.groups['counter']
  return learners, dereference(counter_node)


# What the test waits for a node's answer. The nodes' own 60 s
# (lifecycle.CALL_TIMEOUT_SECONDS) bounds calls between running nodes; a
# test's first call also waits for the node's construction, which in threads
# of one process under load took more than 60 s here (two Gorila learners
# tracing next to two actors and an evaluator, GIL-bound, on 2 slow cores).
TEST_CALL_TIMEOUT_SECONDS = 600


def dereference(node):
  handle = node.create_handle()
  handle.set_client_kwargs(call_timeout=TEST_CALL_TIMEOUT_SECONDS)
  return handle.dereference()


def wait_for_counts(counter, minimums, timeout_seconds=30.0):
  """The counter's counts once each key reaches its minimum (or timeout)."""
  deadline = time.time() + timeout_seconds
  counts = counter.get_counts()
  while time.time() < deadline and any(
      counts.get(k, 0) < v for k, v in minimums.items()):
    time.sleep(0.1)
    counts = counter.get_counts()
  return counts


def run_acme_loop(environment_name, make_batched_actor, num_episodes=3,
                  seed=0):
  """Runs an agent's actor the acme way: acme.EnvironmentLoop on one plain
  dm_env environment, through agents.common.acme_actor.

  Returns:
    (the acme actor, environment steps taken).
  """
  import acme  # pylint: disable=g-import-not-at-top
  from acme.utils import counting  # pylint: disable=g-import-not-at-top
  from agents.common import acme_actor  # pylint: disable=g-import-not-at-top
  from agents.common import environments  # pylint: disable=g-import-not-at-top
  environment = environments.make_environment(environment_name, seed=seed)
  actor = acme_actor.make(environment, make_batched_actor)
  counter = counting.Counter()
  acme.EnvironmentLoop(environment, actor, counter=counter).run(
      num_episodes=num_episodes)
  return actor, int(counter.get_counts()['steps'])


def assert_restores(test_case, source, target, name):
  """`target.restore(source.save())` gives target source's variables `name`
  (acme.core.Saveable); before it they differ (negative control)."""
  import numpy as np  # pylint: disable=g-import-not-at-top
  (theirs,) = source.get_variables([name])
  (ours,) = target.get_variables([name])
  test_case.assertFalse(all(np.allclose(a, b) for a, b in zip(theirs, ours)))
  target.restore(source.save())
  (ours,) = target.get_variables([name])
  test_case.assertLen(ours, len(theirs))
  for a, b in zip(theirs, ours):
    np.testing.assert_array_equal(a, b)
