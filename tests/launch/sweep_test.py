"""--seeds=N: one launch per seed, each in its own logdir, then the spread."""

import json
import os
import shutil
import sys
import tempfile

from absl import flags
from absl.testing import absltest
import pytest

from launch import plot
from launch import summary
from launch import sweep
from tests import helpers


def write_rounds(logdir, rounds):
  os.makedirs(logdir)
  with open(os.path.join(logdir, 'evaluator.csv'), 'w') as f:
    f.write('walltime_s,actor_steps,episode_return\n')
    for time_s, value in rounds:
      f.write(f'{time_s},0,{value}\n')


class SweepTest(absltest.TestCase):

  def test_one_command_per_seed_with_its_own_logdir(self):
    commands = sweep.commands(['--program=dqn', '--hparam=batch_size=8'],
                              seeds=3, base_seed=5, logdir='/runs/x')
    self.assertEqual([c[1:] for c in commands], [
        ['-m', 'launch', '--program=dqn', '--hparam=batch_size=8',
         f'--seed={s}', f'--logdir=/runs/x/seed_{s}'] for s in (5, 6, 7)])
    self.assertEqual(commands[0][0], sys.executable)

  def test_given_flags_are_passed_on_but_seed_and_logdir(self):
    values = flags.FlagValues()
    flags.DEFINE_string('program', 'impala', '', flag_values=values)
    flags.DEFINE_integer('seed', 0, '', flag_values=values)
    flags.DEFINE_integer('seeds', 1, '', flag_values=values)
    flags.DEFINE_string('logdir', None, '', flag_values=values)
    flags.DEFINE_multi_string('hparam', [], '', flag_values=values)
    flags.DEFINE_bool('isolate_network', True, '', flag_values=values)
    flags.DEFINE_float('max_seconds', None, '', flag_values=values)
    values(['launch', '--program=dqn', '--seeds=3', '--seed=4',
            '--logdir=/x', '--hparam=batch_size=8', '--hparam', 'n_step=3',
            '--noisolate_network'])
    self.assertEqual(sweep.flag_args(values),
                     ['--program=dqn', '--hparam=batch_size=8',
                      '--hparam=n_step=3', '--noisolate_network'])
    values(['launch', '--hparam=seed=2'])
    with self.assertRaisesRegex(ValueError, 'same agent seed'):
      sweep.flag_args(values)

  def test_report_gives_mean_and_spread_over_seeds(self):
    with tempfile.TemporaryDirectory() as root:
      logdirs = [os.path.join(root, f'seed_{s}') for s in range(3)]
      write_rounds(logdirs[0], [(10, 0.2), (20, 0.9), (30, 0.9), (40, 0.9)])
      write_rounds(logdirs[1], [(10, 0.5), (20, 1.0), (30, 1.0), (40, 0.7)])
      write_rounds(logdirs[2], [(10, 0.1), (20, 0.3), (30, 0.2), (40, 0.3)])
      lines = sweep.report(logdirs, target_return=0.8)
    self.assertEqual(lines[0], '3 seeds, 3 with evaluator rounds')
    # Best: 0.9, 1.0, 0.3; last: 0.9, 0.7, 0.3.
    self.assertEqual(lines[1], 'best return: mean 0.7333, std 0.309, '
                     'min 0.3, max 1')
    self.assertEqual(lines[2], 'last return: mean 0.6333, std 0.249, '
                     'min 0.3, max 0.9')
    # Means of 3 rounds >= 0.8: seed 0 at 40 s (0.667 at 30 s), seed 1 at
    # 30 s (0.833), seed 2 never.
    self.assertEqual(lines[3], 'target 0.8 (mean of 3 rounds): reached by 2 '
                     'of 3 seeds; seconds to it: mean 35, std 5, min 30, '
                     'max 40')

  @pytest.mark.launch
  def test_a_sweep_runs_every_seed_and_plots_them(self):
    logdir = tempfile.mkdtemp(prefix='sweep_test_')
    self.addCleanup(shutil.rmtree, logdir, ignore_errors=True)
    # Catch's returns are >= -1: each run stops after the evaluator's first
    # 3 rounds (the target rule) however slow the machine; the seconds are
    # a safety net.
    with helpers.Launch(['--program=impala', '--env=catch', '--num_actors=1',
                         '--target_return=-1', '--max_seconds=240',
                         '--seeds=2', '--seed=3', f'--logdir={logdir}'],
                        600) as launch:
      self.assertEqual(launch.wait(), 0, launch.output()[-3000:])
      self.assertEmpty(launch.leftovers(), launch.output()[-3000:])
    self.assertIn('[sweep] exit codes: [0, 0]', launch.output())
    self.assertIn('[sweep] target -1 (mean of 3 rounds): reached by 2 of 2',
                  launch.output())
    for seed in (3, 4):
      run = os.path.join(logdir, f'seed_{seed}')
      with open(os.path.join(run, 'config.json')) as f:
        self.assertEqual(json.load(f)['seed'], seed)
      # The launcher plotted each run's curves as it ended.
      data = plot.read_png_data(os.path.join(run, 'plots',
                                             'return_vs_time.png'))
      self.assertEqual(list(zip(data['x'], data['y'])), summary.rounds(run))
      self.assertEqual(data['title'], f'impala on catch, seed {seed}')
    overlay = plot.read_png_data(os.path.join(logdir, 'plots',
                                              'return_vs_time.png'))
    (group,) = overlay['runs'].values()
    self.assertEqual(group['seeds'], 2)

  def test_a_sweep_needs_a_logdir(self):
    with helpers.Launch(['--program=lspi', '--env=chain_walk', '--seeds=2',
                         '--max_seconds=10'], 60) as launch:
      self.assertEqual(launch.wait(), 2, launch.output())
    self.assertIn('--seeds=2 needs --logdir', launch.output())


if __name__ == '__main__':
  absltest.main()
