"""`python -m benchmarks`: which pairs run, how runs become the table, and a
quick end-to-end run with tiny budgets."""

import math
import os
import subprocess
import sys
import tempfile

from absl.testing import absltest
import pytest

from benchmarks import launches
from benchmarks import suite
import programs


class CasesTest(absltest.TestCase):

  def test_programs_fit_the_tasks_their_actions_take(self):
    self.assertTrue(suite.fits('impala', 'catch'))
    self.assertFalse(suite.fits('impala', 'pendulum'))
    self.assertTrue(suite.fits('apex_dpg', 'pendulum'))
    self.assertFalse(suite.fits('apex_dpg', 'cartpole'))
    self.assertTrue(suite.fits('lspi', 'chain_walk'))
    self.assertFalse(suite.fits('lspi', 'catch'))

  def test_quick_mode_runs_every_program_once(self):
    quick = suite.cases(list(programs.PROGRAMS), list(suite.TASKS), True)
    self.assertEqual([program for program, _ in quick],
                     list(programs.PROGRAMS))
    for _, task in quick:
      self.assertIsNotNone(suite.TASKS[task].quick_seconds)
    full = suite.cases(['impala'], list(suite.TASKS), False)
    self.assertEqual(full, [('impala', 'catch'), ('impala', 'cartpole')])


class TableTest(absltest.TestCase):

  def test_cells_aggregate_seeds(self):
    self.assertEqual(suite.cell([1000.0]), '1000')
    self.assertEqual(suite.cell([1000.0, 3000.0], thousands=True),
                     '2,000 ± 1,000')
    self.assertEqual(suite.cell([math.nan, math.nan]), '—')
    self.assertEqual(suite.cell([30.0, math.inf, 50.0]), '40 ± 10 (2/3)')
    self.assertEqual(suite.cell([math.inf]), 'no')

  def test_figures_come_from_the_run_logs(self):
    with tempfile.TemporaryDirectory() as logdir:
      with open(os.path.join(logdir, 'learner.csv'), 'w') as f:
        f.write('walltime_s,actor_steps,learner_steps\n'
                '20,1000,10\n30,21000,110\n')
      with open(os.path.join(logdir, 'evaluator.csv'), 'w') as f:
        f.write('walltime_s,actor_steps,episode_return\n'
                '21,0,0.1\n24,0,1\n27,0,1\n29,0,0.9\n')
      run = launches.Run(0, '[actor/0] [actor] first environment step at '
                         '10.0 s after launch\n', logdir, 1.5, 1.0)
      result = suite.figures(run, threshold=0.9)
    self.assertEqual(result['env_steps_per_s'], 21000 / 20)
    self.assertEqual(result['updates_per_s'], 110 / 20)
    self.assertEqual(result['threshold_s'], 29)  # (1 + 1 + 0.9) / 3 first.
    self.assertEqual(result['final_return'], 0.9)
    self.assertEqual(result['first_step_s'], 10.0)
    text = suite.table({('impala', 'catch'): [result]}, {'catch': 2100.0})
    self.assertIn('| impala | catch (>= 0.9) | 1 | 1,050 | 0.50 | 5.5 | 29 '
                  '| 0.90 | 10.0 | 30.0 | 1.50 | 0 |', text)


@pytest.mark.launch
class EndToEndTest(absltest.TestCase):

  def test_quick_mode_with_tiny_budgets(self):
    command = [sys.executable, '-m', 'benchmarks', '--quick',
               '--program=impala', '--program=lspi', '--seconds=30']
    result = subprocess.run(command, cwd=launches.REPO, capture_output=True,
                            text=True, timeout=400, start_new_session=True,
                            check=False)
    self.assertEqual(result.returncode, 0, result.stdout[-3000:] +
                     result.stderr[-3000:])
    rows = [line for line in result.stdout.splitlines()
            if line.startswith('| impala |') or line.startswith('| lspi |')]
    self.assertLen(rows, 2, result.stdout[-3000:])
    impala = [cell.strip() for cell in rows[0].split('|')[1:-1]]
    self.assertEqual(impala[:3], ['impala', 'catch (>= 0.9)', '1'])
    self.assertGreater(float(impala[3].replace(',', '')), 0)  # env steps/s
    self.assertEqual(impala[-1], '0')  # exit code
    self.assertIn('commit ', result.stdout)


if __name__ == '__main__':
  absltest.main()
