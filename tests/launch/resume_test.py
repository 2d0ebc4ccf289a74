"""What a launch does with a used --logdir: resume its run, refuse another
run's or a damaged checkpoint, or move the old run aside for a fresh start;
and CSV logs that a resumed run appends to."""

import csv
import os
import shutil
import subprocess
import sys
import tempfile

from absl.testing import absltest

from launch import resume
from programs.nodes import checkpoints
from programs.nodes import loggers
from tests import helpers

RECORD = {'program': 'dqn', 'environment': 'catch',
          'hparams': {'learning_rate': 0.001, 'hidden_sizes': (16, 16),
                      'log_period_seconds': 2.0, 'seed': 0}}


class _Numbers:

  def save(self):
    return {'counts': {'actor_steps': 5}, 'cache': {},
            'elapsed_seconds': 30.0}

  def restore(self, state):
    del state


class PlanTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.parent = tempfile.mkdtemp(prefix='resume_test_')
    self.addCleanup(shutil.rmtree, self.parent, ignore_errors=True)
    self.logdir = os.path.join(self.parent, 'run')

  def _first_run(self):
    plan = resume.plan(self.logdir, RECORD, fresh=False)
    self.assertFalse(plan.resume)
    schedule = checkpoints.Schedule(self.logdir, 60.0)
    checkpoints.Checkpointer('counter', schedule,
                             checkpoints.PythonState(_Numbers())).save()
    with open(os.path.join(self.logdir, 'learner.csv'), 'w') as f:
      f.write('walltime_s\n1.0\n')

  def test_new_logdir_starts_fresh_and_records_the_run(self):
    plan = resume.plan(self.logdir, RECORD, fresh=False)
    self.assertEqual((plan.resume, plan.elapsed_seconds, plan.messages),
                     (False, 0.0, []))
    self.assertTrue(os.path.exists(os.path.join(
        self.logdir, checkpoints.ROOT, checkpoints.RUN_FILE)))

  def test_same_run_resumes_with_its_run_time(self):
    self._first_run()
    changed = {**RECORD, 'hparams': {**RECORD['hparams'],
                                     'log_period_seconds': 5.0}}
    plan = resume.plan(self.logdir, changed, fresh=False)
    self.assertTrue(plan.resume)
    self.assertEqual(plan.elapsed_seconds, 30.0)
    self.assertIn('counter (save 1', plan.messages[0])
    self.assertTrue(os.path.exists(os.path.join(self.logdir, 'learner.csv')))

  def test_another_run_is_refused_with_the_reasons(self):
    self._first_run()
    other = {'program': 'apex', 'environment': 'catch',
             'hparams': {**RECORD['hparams'], 'learning_rate': 0.01}}
    with self.assertRaisesRegex(
        resume.ResumeRefused,
        r"program 'dqn' \(checkpoint\) vs 'apex'.*learning_rate=0.001 "
        r'\(checkpoint\) vs 0.01.*--fresh'):
      resume.plan(self.logdir, other, fresh=False)
    # Nothing was touched.
    self.assertEqual(os.listdir(self.parent), ['run'])

  def test_damaged_checkpoint_is_refused(self):
    self._first_run()
    path = os.path.join(self.logdir, checkpoints.ROOT, 'counter',
                        'ckpt-1.pkl')
    with open(path, 'ab') as f:
      f.write(b'x')
    with self.assertRaisesRegex(resume.ResumeRefused, 'damaged'):
      resume.plan(self.logdir, RECORD, fresh=False)

  def test_fresh_moves_the_old_run_aside(self):
    self._first_run()
    plan = resume.plan(self.logdir, RECORD, fresh=True)
    self.assertFalse(plan.resume)
    moved = [d for d in os.listdir(self.parent) if d.startswith('run.old-')]
    self.assertLen(moved, 1)
    self.assertIn(moved[0], plan.messages[0])
    self.assertTrue(os.path.exists(
        os.path.join(self.parent, moved[0], 'learner.csv')))
    self.assertEqual(os.listdir(self.logdir), [checkpoints.ROOT])

  def test_logs_without_checkpoint_are_moved_aside(self):
    os.makedirs(self.logdir)
    with open(os.path.join(self.logdir, 'learner.csv'), 'w') as f:
      f.write('walltime_s\n1.0\n')
    plan = resume.plan(self.logdir, RECORD, fresh=False)
    self.assertFalse(plan.resume)
    self.assertIn('without a checkpoint', plan.messages[0])
    self.assertLen(os.listdir(self.parent), 2)


class CommandLineTest(absltest.TestCase):

  def test_launch_refuses_another_runs_logdir_before_starting(self):
    logdir = tempfile.mkdtemp(prefix='resume_cli_test_')
    self.addCleanup(shutil.rmtree, logdir, ignore_errors=True)
    resume.plan(logdir, RECORD, fresh=False)  # A DQN run's logdir.
    result = subprocess.run(
        [sys.executable, '-m', 'launch', '--program=impala', '--env=catch',
         '--max_seconds=5', f'--logdir={logdir}'], cwd=helpers.REPO,
        capture_output=True, text=True, timeout=120)
    self.assertEqual(result.returncode, 2, result.stderr[-2000:])
    self.assertIn("holds a checkpoint of another run: program 'dqn'",
                  result.stderr)
    self.assertNotIn('[launch] impala on catch', result.stdout)


class AppendTest(absltest.TestCase):

  def test_a_resumed_logger_appends_and_widens(self):
    logdir = tempfile.mkdtemp(prefix='append_test_')
    self.addCleanup(shutil.rmtree, logdir, ignore_errors=True)
    quiet = lambda line: None
    first = loggers.NodeLogger('learner', logdir, 0.0, 0.0, print_fn=quiet)
    first._write_summaries = lambda row: None  # pylint: disable=protected-access
    first.write({'loss': 1.0})
    first.write({'loss': 2.0})
    first.close()
    second = loggers.NodeLogger('learner', logdir, 0.0, 0.0, print_fn=quiet)
    second._write_summaries = lambda row: None  # pylint: disable=protected-access
    second.write({'loss': 3.0})
    second.write({'loss': 4.0, 'episode_return': 1.0})
    second.close()
    with open(os.path.join(logdir, 'learner.csv')) as f:
      rows = list(csv.DictReader(f))
    self.assertEqual([r['loss'] for r in rows], ['1.0', '2.0', '3.0', '4.0'])
    self.assertEqual([r['episode_return'] for r in rows], ['', '', '', '1.0'])

  def test_half_a_row_left_by_a_kill_is_dropped(self):
    logdir = tempfile.mkdtemp(prefix='append_test_')
    self.addCleanup(shutil.rmtree, logdir, ignore_errors=True)
    with open(os.path.join(logdir, 'actor.csv'), 'w') as f:
      f.write('walltime_s,loss\n1.0,0.5\n2.0,0.')  # Killed mid-row.
    logger = loggers.NodeLogger('actor', logdir, 0.0, 0.0,
                                print_fn=lambda line: None)
    logger._write_summaries = lambda row: None  # pylint: disable=protected-access
    logger.write({'loss': 0.25})
    logger.close()
    with open(os.path.join(logdir, 'actor.csv')) as f:
      rows = list(csv.DictReader(f))
    self.assertEqual([r['loss'] for r in rows], ['0.5', '0.25'])


if __name__ == '__main__':
  absltest.main()
