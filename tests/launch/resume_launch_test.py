"""Runs that survive: a replay program killed outright (SIGKILL to every
process) resumes from its checkpoints when the same command is launched
again, and SIGTERM (a cloud preemption) saves a checkpoint and ends cleanly.

Each launch runs in its own session with a hard timeout; whatever of it is
still alive at the end is killed by id (tests/helpers.py).
"""

import csv
import json
import os
import re
import shutil
import signal
import tempfile
import time

from absl.testing import absltest
import pytest

from tests import helpers

pytestmark = pytest.mark.launch


def _rows(logdir, name):
  path = os.path.join(logdir, f'{name}.csv')
  if not os.path.exists(path):
    return []
  with open(path) as f:
    return list(csv.DictReader(f))


def _learner_checkpoint_steps(logdir):
  path = os.path.join(logdir, 'checkpoints', 'learner', 'latest.json')
  try:
    with open(path) as f:
      return json.load(f)['learner_steps']
  except (OSError, ValueError):
    return 0


def _replay_checkpointed(logdir):
  directory = os.path.join(logdir, 'checkpoints', 'replay')
  return os.path.isdir(directory) and any(
      os.path.exists(os.path.join(directory, d, 'DONE'))
      for d in os.listdir(directory))


BLIND_CATCH_RETURN = -0.6


class ResumeTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.logdir = tempfile.mkdtemp(prefix='resume_launch_test_')
    self.addCleanup(shutil.rmtree, self.logdir, ignore_errors=True)

  def test_killed_replay_program_resumes_where_it_was(self):
    command = ['--program=dqn', '--env=catch', '--num_actors=1',
               # Far beyond the kill: the resumed run lasts long enough for
               # its evaluator to start and play.
               '--max_learner_steps=3500', '--max_seconds=600',
               f'--logdir={self.logdir}',
               '--hparam=checkpoint_period_seconds=2',
               # Learning starts late enough for a fresh start's evaluator to
               # play a round with the initial weights first; on resume the
               # restored table is large enough at once.
               '--hparam=min_replay_size=20000',
               '--hparam=eval_period_seconds=1']
    with helpers.Launch(command, 300) as first:
      deadline = time.time() + 240
      while time.time() < deadline and not (
          _learner_checkpoint_steps(self.logdir) >= 500 and
          _replay_checkpointed(self.logdir)):
        self.assertIsNone(first.process.poll(), first.output()[-3000:])
        time.sleep(0.5)
      # SIGKILL to every process of the launch at once: a machine lost.
      helpers.kill_session(first.process)
    saved_steps = _learner_checkpoint_steps(self.logdir)
    self.assertGreaterEqual(saved_steps, 500, first.output()[-3000:])
    self.assertLess(saved_steps, 3500)
    fresh = _rows(self.logdir, 'evaluator')
    untrained = [float(r['episode_return']) for r in fresh
                 if float(r.get('learner_steps') or 0) == 0]
    killed_at = float(_rows(self.logdir, 'learner')[-1]['walltime_s'])

    with helpers.Launch(command, 300) as second:
      self.assertEqual(second.wait(), 0, second.output()[-5000:])
      self.assertEmpty(second.leftovers(), second.output()[-3000:])
    output = second.output()
    self.assertIn('[launch] resuming the run in', output)
    resumed = re.search(r'\[learner\] resumed from \S+: learner step (\d+)',
                        output)
    self.assertIsNotNone(resumed, output[-5000:])
    self.assertEqual(int(resumed.group(1)), saved_steps)
    table = re.search(r"table sizes \{'replay': (\d+)\}", output)
    self.assertIsNotNone(table, output[-5000:])
    self.assertGreater(int(table.group(1)), 1000)
    # The logs go on: the first run's rows are still there, the clock and
    # the learner's steps continue from where the checkpoint was.
    learner_rows = _rows(self.logdir, 'learner')
    after = [r for r in learner_rows if float(r['walltime_s']) > killed_at]
    self.assertNotEmpty(after)
    self.assertLess(len(after), len(learner_rows))
    self.assertGreaterEqual(int(float(after[0]['learner_steps'])),
                            saved_steps)
    # The first evaluator round after resuming plays far better than a
    # fresh start's first round (Catch returns lie in [-1, 1]).
    evaluator_rows = _rows(self.logdir, 'evaluator')
    resumed_rounds = evaluator_rows[len(fresh):]
    self.assertNotEmpty(resumed_rounds)
    # On a loaded machine the evaluator may first play after the learner
    # started; then the baseline is Catch's return of a policy blind to the
    # ball (the paddle catches it in 1 column of 5): 0.2 - 0.8 = -0.6.
    first_fresh = untrained[0] if untrained else BLIND_CATCH_RETURN
    first_resumed = float(resumed_rounds[0]['episode_return'])
    print(f'first evaluator round: fresh {first_fresh}, resumed '
          f'{first_resumed} at learner step '
          f'{resumed_rounds[0]["learner_steps"]}')
    self.assertGreaterEqual(first_resumed, first_fresh + 0.5)

  def test_sigterm_saves_a_checkpoint_and_ends_cleanly(self):
    # --verbose: the nodes' metric rows are printed, not only read.
    command = ['--program=impala', '--env=catch', '--num_actors=1',
               '--max_seconds=600', f'--logdir={self.logdir}', '--verbose']
    with helpers.Launch(command, 240) as launch:
      # The learner's first log row: it has stepped.
      self.assertTrue(launch.wait_for_output('[learner] walltime_s=', 180),
                      launch.output())
      started = time.time()
      os.kill(launch.pid, signal.SIGTERM)
      self.assertEqual(launch.wait(timeout_seconds=30), 0,
                       launch.output()[-3000:])
      self.assertLess(time.time() - started, 30)
      self.assertEmpty(launch.leftovers(), launch.output()[-3000:])
    self.assertIn('[learner] checkpoint at learner step', launch.output())
    self.assertGreater(_learner_checkpoint_steps(self.logdir), 0)


if __name__ == '__main__':
  absltest.main()
