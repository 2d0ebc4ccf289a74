"""The launcher's end-of-run summary, from a logdir's files."""

import os
import tempfile

from absl.testing import absltest

from launch import summary


def _logdir(rows, checkpoint=True):
  logdir = tempfile.mkdtemp(prefix='summary_test_')
  with open(os.path.join(logdir, 'evaluator.csv'), 'w') as f:
    f.write('walltime_s,actor_steps,episode_return\n')
    for t, r in rows:
      f.write(f'{t},100,{r}\n')
  with open(os.path.join(logdir, 'learner.csv'), 'w') as f:
    f.write('walltime_s,loss\n1.0,0.5\n')
  if checkpoint:
    os.makedirs(os.path.join(logdir, 'checkpoints', 'learner'))
  return logdir


class SummaryTest(absltest.TestCase):

  def test_best_last_target_and_files(self):
    logdir = _logdir([(10.0, -0.2), (12.5, 0.95), (15.0, 0.7), (17.5, 0.9),
                      (20.0, 0.92), (22.5, 0.94)])
    text = summary.lines(logdir, target_return=0.9)
    self.assertEqual(text[0], 'evaluator: 6 rounds; best 0.95 at 12.5 s, '
                     'last 0.94 at 22.5 s')
    # First round >= 0.9 at 12.5 s; first mean of 3 >= 0.9: (0.9 + 0.92 +
    # 0.94) / 3 at 22.5 s (0.95, 0.7, 0.9 averages 0.85).
    self.assertEqual(text[1], 'target 0.9: first round at 12.5 s, mean of 3 '
                     'rounds at 22.5 s')
    self.assertEqual(text[2], f'logs: {logdir} (evaluator.csv, learner.csv)')
    self.assertStartsWith(text[3], f'checkpoints: {logdir}/checkpoints')

  def test_target_not_reached_and_no_checkpoints(self):
    logdir = _logdir([(10.0, -0.2), (12.5, 0.1)], checkpoint=False)
    text = summary.lines(logdir, target_return=0.9)
    self.assertEqual(text[1], 'target 0.9: not reached')
    self.assertLen(text, 3)
    self.assertNotIn('target', ' '.join(summary.lines(logdir)))

  def test_no_logdir_no_summary(self):
    self.assertEqual(summary.lines(None), [])
    self.assertEqual(summary.lines('/nonexistent/summary_test'), [])


if __name__ == '__main__':
  absltest.main()
