"""Actor, evaluator and worker processes that die are restarted (local_mp).

The supervisor (launch/supervise.py) is tested on small Python children
started in a session of their own, with a hard timeout; the launch tests
SIGKILL an actor of a running IMPALA launch and see it replaced and the run
end on its budget, or, out of restarts, the launch fail with exit code 1.
"""

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import textwrap
import time
from typing import List, Tuple

from absl.testing import absltest
import pytest

from launch import local_mp
from launch import supervise
from programs.nodes import lifecycle
from tests import helpers

TITLE = 'node/0'


def _read(path: str) -> str:
  with open(path) as f:
    return f.read()


def _parent_pid(pid: int) -> int:
  with open(f'/proc/{pid}/stat') as f:
    return int(f.read().rsplit(')', 1)[1].split()[1])


def _command_line(pid: int) -> List[str]:
  with open(f'/proc/{pid}/cmdline', 'rb') as f:
    return f.read().decode(errors='replace').split('\0')[:-1]


def node_processes(session_id: int, title: str) -> Tuple[int, List[int]]:
  """(supervisor pid, its children's pids) of node `title` of a launch."""
  for pid in helpers.session_pids(session_id):
    try:
      argv = _command_line(pid)
    except OSError:
      continue
    if 'launch.supervise' in argv and f'--title={title}' in argv:
      children = []
      for other in helpers.session_pids(session_id):
        try:
          if _parent_pid(other) == pid:
            children.append(other)
        except OSError:
          pass
      return pid, children
  raise AssertionError(f'no supervisor of {title} in session {session_id}')


def wait_for_node(session_id: int, title: str, other_than: int = 0,
                  timeout_seconds: float = 60) -> int:
  """The pid of node `title`'s process (its supervisor's child) once there is
  one other than `other_than`."""
  deadline = time.time() + timeout_seconds
  while time.time() < deadline:
    try:
      _, children = node_processes(session_id, title)
    except AssertionError:  # The supervisor is not there yet.
      children = []
    children = [pid for pid in children if pid != other_than]
    if children:
      return children[0]
    time.sleep(0.1)
  raise AssertionError(f'no process of {title} other than {other_than} '
                       f'after {timeout_seconds} s')


class Supervised:
  """`python -m launch.supervise ... -- python -c CHILD` in a session of its
  own, output to a file; leaving kills what of the session still runs."""

  def __init__(self, child_source: str, max_restarts: int):
    self._files = tempfile.mkdtemp(prefix='supervise_test_')
    self.output_path = os.path.join(self._files, 'output')
    self.failure_path = os.path.join(self._files, 'failures')
    self.restarts_path = os.path.join(self._files, 'restarts')
    self.command = [
        sys.executable, '-m', 'launch.supervise', f'--title={TITLE}',
        f'--max_restarts={max_restarts}', '--', sys.executable, '-c',
        textwrap.dedent(child_source)]

  def __enter__(self) -> 'Supervised':
    env = {**os.environ, supervise.FAILURE_FILE_ENV: self.failure_path,
           supervise.RESTARTS_FILE_ENV: self.restarts_path,
           'SUPERVISE_TEST_DIR': self._files}
    env.pop(supervise.RESTARTABLE_ENV, None)
    with open(self.output_path, 'w') as output:
      self.process = subprocess.Popen(
          self.command, cwd=helpers.REPO, env=env, stdout=output,
          stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
          start_new_session=True)
    return self

  def wait(self, timeout_seconds: float = 30) -> int:
    return self.process.wait(timeout=timeout_seconds)

  def wait_for_file(self, name: str, timeout_seconds: float = 30) -> bool:
    path = os.path.join(self._files, name)
    deadline = time.time() + timeout_seconds
    while time.time() < deadline and not os.path.exists(path):
      time.sleep(0.05)
    return os.path.exists(path)

  def output(self) -> str:
    return _read(self.output_path)

  def file(self, path: str) -> str:
    return _read(path) if os.path.exists(path) else ''

  def __exit__(self, *exc) -> None:
    helpers.kill_session(self.process)
    shutil.rmtree(self._files, ignore_errors=True)


# Fails (exit 1) on its first two starts, then succeeds.
FAILS_TWICE = '''
import os, sys
print('child start', os.environ['DISTRL_RESTART_COUNT'],
      'restartable=' + os.environ['DISTRL_RESTARTABLE'], flush=True)
sys.exit(1 if int(os.environ['DISTRL_RESTART_COUNT']) < 2 else 0)
'''
KILLS_ITSELF = '''
import os, signal
print('child start', os.environ['DISTRL_RESTART_COUNT'], flush=True)
os.kill(os.getpid(), signal.SIGKILL)
'''
# Waits for a stop; says it is ready (handlers set) through a file.
WAITS = '''
import os, signal, sys, time
if {exit_code} is not None:
  signal.signal(signal.SIGTERM, lambda *_: sys.exit({exit_code}))
print('child start', os.environ['DISTRL_RESTART_COUNT'], flush=True)
open(os.path.join(os.environ['SUPERVISE_TEST_DIR'], 'ready'), 'w').close()
time.sleep(60)
'''


class SupervisorTest(absltest.TestCase):

  def test_restarts_a_dying_child_until_it_ends_cleanly(self):
    with Supervised(FAILS_TWICE, max_restarts=3) as run:
      self.assertEqual(run.wait(), 0, run.output())
      output = run.output()
      self.assertEqual(output.count('child start'), 3, output)
      for count in range(3):
        self.assertIn(f'child start {count} restartable=1', output)
      self.assertIn(f'[supervise] {TITLE} exited with code 1; restart 1 of 3',
                    output)
      self.assertIn('restart 2 of 3', output)
      self.assertNotIn('restart 3 of 3', output)
      self.assertEqual(supervise.parse_restarts(run.file(run.restarts_path)),
                       [TITLE, TITLE])
      self.assertEqual(run.file(run.failure_path), '')

  def test_exhausted_restarts_fail_the_node(self):
    with Supervised(KILLS_ITSELF, max_restarts=2) as run:
      self.assertEqual(run.wait(), 1, run.output())
      output = run.output()
      self.assertEqual(output.count('child start'), 3, output)
      self.assertIn(f'{TITLE} exited with SIGKILL (-9); restart 2 of 2',
                    output)
      self.assertIn('no restarts left', output)
      failures = run.file(run.failure_path)
      self.assertIn(f'{TITLE} failed 3 time(s) (2 restart(s)', failures)
      self.assertIn('last exit: SIGKILL (-9)', failures)
      self.assertLen(supervise.parse_restarts(run.file(run.restarts_path)),
                     2)

  def test_a_clean_end_is_not_restarted(self):
    with Supervised('print("child start")', max_restarts=3) as run:
      self.assertEqual(run.wait(), 0, run.output())
      self.assertEqual(run.output().count('child start'), 1)
      self.assertNotIn('[supervise]', run.output())

  def test_sigterm_is_forwarded_and_ends_without_restart(self):
    # The child keeps SIGTERM's default: only a forwarded SIGTERM ends it
    # before its 60 s sleep (and the 30 s wait below).
    with Supervised(WAITS.format(exit_code=None), max_restarts=3) as run:
      self.assertTrue(run.wait_for_file('ready'), run.output())
      run.process.send_signal(signal.SIGTERM)
      self.assertEqual(run.wait(), 0, run.output())
      self.assertEqual(run.output().count('child start'), 1, run.output())
      self.assertNotIn('[supervise]', run.output())
      self.assertEqual(helpers.session_pids(run.process.pid), [])
      self.assertEqual(run.file(run.restarts_path), '')

  def test_ctrl_c_ends_without_restart(self):
    with Supervised(WAITS.format(exit_code=None), max_restarts=3) as run:
      self.assertTrue(run.wait_for_file('ready'), run.output())
      os.killpg(run.process.pid, signal.SIGINT)  # As a terminal sends it.
      self.assertEqual(run.wait(), 0, run.output())
      self.assertEqual(run.output().count('child start'), 1, run.output())
      self.assertNotIn('[supervise]', run.output())

  def test_a_crash_while_stopping_is_told_not_restarted(self):
    with Supervised(WAITS.format(exit_code=3), max_restarts=3) as run:
      self.assertTrue(run.wait_for_file('ready'), run.output())
      run.process.send_signal(signal.SIGTERM)
      self.assertEqual(run.wait(), 1, run.output())
      self.assertIn(f'{TITLE} exited with code 3 while stopping',
                    run.output())
      self.assertEqual(run.output().count('child start'), 1, run.output())
      self.assertEqual(run.file(run.failure_path), '')

  def test_imports_no_launchpad_or_tensorflow(self):
    check = ('import sys, launch.supervise; print(sorted(m for m in '
             '("launchpad", "tensorflow", "absl") if m in sys.modules))')
    result = subprocess.run([sys.executable, '-c', check], cwd=helpers.REPO,
                            capture_output=True, text=True, timeout=60,
                            check=True)
    self.assertEqual(result.stdout.strip(), '[]')

  def test_copied_constants_agree_with_lifecycle(self):
    self.assertEqual(supervise.FAILURE_FILE_ENV, lifecycle.FAILURE_FILE_ENV)
    self.assertEqual(supervise.RESTARTABLE_ENV, lifecycle.RESTARTABLE_ENV)


class RestartableGroupsTest(absltest.TestCase):

  def test_groups(self):
    groups = local_mp.RESTARTABLE_GROUPS
    for label in ('actor', 'evaluator', 'worker', 'actor+evaluator'):
      self.assertTrue(local_mp.is_restartable(label, groups), label)
    for label in ('learner', 'replay', 'counter', 'variable_server',
                  'parameter_server', 'replay+learner+evaluator'):
      self.assertFalse(local_mp.is_restartable(label, groups), label)

  def test_supervised_command(self):
    node = ['/bin/python', 'process_entry.py', '--lp_task_id', '1']
    self.assertEqual(
        local_mp.supervised(node, 'actor/1', 3),
        [sys.executable, '-m', 'launch.supervise', '--title=actor/1',
         '--max_restarts=3', '--', *node])


class GuardedTest(absltest.TestCase):
  """lifecycle.guarded in a restartable process: a failure ends the process
  (its supervisor restarts it) instead of stopping the program."""

  def _run_failing_node(self, restartable: bool) -> list:
    failures = []

    class Node:

      @lifecycle.guarded
      def run(self):
        raise ValueError('broken')

    original = lifecycle.report_failure
    lifecycle.report_failure = failures.append
    previous = os.environ.pop(lifecycle.RESTARTABLE_ENV, None)
    if restartable:
      os.environ[lifecycle.RESTARTABLE_ENV] = '1'
    try:
      with self.assertRaisesRegex(ValueError, 'broken'):
        Node().run()
    finally:
      lifecycle.report_failure = original
      os.environ.pop(lifecycle.RESTARTABLE_ENV, None)
      if previous is not None:
        os.environ[lifecycle.RESTARTABLE_ENV] = previous
    return failures

  def test_restartable_failure_is_not_reported(self):
    self.assertEmpty(self._run_failing_node(restartable=True))

  def test_other_failure_is_reported(self):  # Negative control.
    self.assertLen(self._run_failing_node(restartable=False), 1)


# The actor that is killed: it logs '[actor] first environment step' once
# per start. Not `log=True` actor 0: its CSV is not what is tested here.
VICTIM = 'actor/1'
FIRST_STEP = f'[{VICTIM}] [actor] first environment step'
# Learner updates consume the actors' unrolls (32 x 20 steps each), so with
# one actor dead they come at about half the rate. The learner's first
# update (it traces its step meanwhile) came about when the replacement's
# first step did, so 300 updates left it ~25 s of margin: on 2 cores at
# load ~3, actors stepped 25 s after launch, the replacement 9 s after the
# kill, the learner 1 s after that, 300 updates 25 s later (64 s in all;
# 111 s at load ~7). 500 updates double that margin for slower machines.
MAX_LEARNER_STEPS = 500


@pytest.mark.launch
class RestartLaunchTest(absltest.TestCase):

  def test_a_killed_actor_is_replaced_and_the_run_ends_on_budget(self):
    with helpers.Launch(['--program=impala', '--env=catch', '--num_actors=2',
                         f'--max_learner_steps={MAX_LEARNER_STEPS}',
                         '--max_seconds=600'], 420) as launch:
      self.assertTrue(launch.wait_for_output(FIRST_STEP, 240),
                      launch.output()[-3000:])
      supervisor, (victim,) = node_processes(launch.pid, VICTIM)
      self.assertIn('process_entry.py', ' '.join(_command_line(victim)))
      os.kill(victim, signal.SIGKILL)
      self.assertTrue(launch.wait_for_output(
          f'[supervise] {VICTIM} exited with SIGKILL (-9); restart 1 of 3',
          30), launch.output()[-3000:])
      replacement = wait_for_node(launch.pid, VICTIM, other_than=victim)
      self.assertEqual(node_processes(launch.pid, VICTIM),
                       (supervisor, [replacement]))

      self.assertEqual(launch.wait(), 0, launch.output()[-3000:])
      output = launch.output()
      # The replacement stepped (its own first step) before the budget.
      self.assertEqual(output.count(FIRST_STEP), 2, output[-3000:])
      self.assertIn(f'budget reached (max_learner_steps={MAX_LEARNER_STEPS})',
                    output)
      self.assertIn(f'[launch] restarted: {VICTIM} x1', output)
      self.assertEmpty(launch.leftovers(), output[-3000:])
    self.assertEmpty(launch.killed)

  def test_a_node_out_of_restarts_fails_the_launch(self):
    # Killed while still starting, twice: the failure path needs no
    # running program, and this way takes seconds, not a minute.
    logdir = tempfile.mkdtemp(prefix='restart_test_')
    self.addCleanup(shutil.rmtree, logdir, ignore_errors=True)
    with helpers.Launch(['--program=impala', '--env=catch', '--num_actors=2',
                         '--max_restarts=1', '--max_seconds=300',
                         f'--logdir={logdir}'], 240) as launch:
      victim = wait_for_node(launch.pid, VICTIM)
      os.kill(victim, signal.SIGKILL)
      replacement = wait_for_node(launch.pid, VICTIM, other_than=victim)
      os.kill(replacement, signal.SIGKILL)
      # 1, not -14: the launcher waits for the others to stop before it
      # returns (launch/__main__.py).
      self.assertEqual(launch.wait(), 1, launch.output()[-3000:])
      output = launch.output()
      self.assertIn(f'[supervise] {VICTIM} exited with SIGKILL (-9); no '
                    'restarts left (1 used)', output)
      self.assertIn(f'{VICTIM} failed 2 time(s) (1 restart(s), '
                    '--max_restarts=1); last exit: SIGKILL (-9)', output)
      self.assertIn('[launch] FAILED', output)
      self.assertIn(f'[launch] restarted: {VICTIM} x1', output)
      self.assertEmpty(launch.leftovers(), output[-3000:])
    self.assertEmpty(launch.killed)
    self.assertEqual(
        supervise.parse_restarts(_read(os.path.join(logdir, 'restarts.log'))),
        [VICTIM])


if __name__ == '__main__':
  absltest.main()
