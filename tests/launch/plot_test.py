"""Learning-curve PNG files from a logdir's CSV files: the data each file
stores equals the CSV values, seeds of one configuration average to
hand-computed numbers, and the CLI's exit codes."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

from absl.testing import absltest

from launch import plot
from tests import helpers


def _write(logdir, name, text):
  os.makedirs(logdir, exist_ok=True)
  with open(os.path.join(logdir, name), 'w') as f:
    f.write(text)


def _config(logdir, seed=0, learning_rate=0.002, program='impala'):
  """A config.json as the launcher writes it (the seed copied into hparams)."""
  config = {'program': program, 'environment': 'catch', 'num_actors': 1,
            'seed': seed, 'logdir': logdir, 'max_seconds': 60.0,
            'hparams': {'seed': seed, 'learning_rate': learning_rate}}
  _write(logdir, 'config.json', json.dumps(config, indent=2))


def _evaluator(logdir, rows):
  """evaluator.csv from (walltime_s, actor_steps, episode_return) rows."""
  _write(logdir, 'evaluator.csv',
         'walltime_s,actor_steps,learner_steps,episode_return\n' +
         ''.join(f'{t},{s},7,{r}\n' for t, s, r in rows))


class RunPlotsTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.logdir = tempfile.mkdtemp(prefix='plot_test_')
    self.addCleanup(shutil.rmtree, self.logdir, ignore_errors=True)

  def test_each_png_stores_the_csv_values_it_shows(self):
    _config(self.logdir, seed=3)
    # The second row has no return yet and the third no actor_steps: each is
    # skipped only where its cell is needed.
    _evaluator(self.logdir, [(10.5, 100, -0.875), (12.0, 200, ''),
                             (13.25, '', 0.25), (15.0, 400, 1.0)])
    _write(self.logdir, 'learner.csv',
           'walltime_s,learner_steps,loss,entropy\n'
           '9.0,1,0.5,1.1\n9.5,2,,1.0\n10.0,3,-0.125,0.9\n')
    paths = plot.write_run_plots(self.logdir)
    self.assertEqual(paths, [
        os.path.join(self.logdir, 'plots', f'{name}.png')
        for name in ('return_vs_time', 'return_vs_steps', 'loss')])
    for path in paths:
      self.assertGreater(os.path.getsize(path), 1000)
      with open(path, 'rb') as f:
        self.assertEqual(f.read(8), b'\x89PNG\r\n\x1a\n')
    data = {d['curve']: d for d in map(plot.read_png_data, paths)}
    self.assertEqual(data['return_vs_time']['x'], [10.5, 13.25, 15.0])
    self.assertEqual(data['return_vs_time']['y'], [-0.875, 0.25, 1.0])
    self.assertEqual(data['return_vs_steps']['x'], [100.0, 400.0])
    self.assertEqual(data['return_vs_steps']['y'], [-0.875, 1.0])
    self.assertEqual(data['loss']['x'], [1.0, 3.0])
    self.assertEqual(data['loss']['y'], [0.5, -0.125])
    self.assertEqual(data['loss']['title'], 'impala on catch, seed 3')
    self.assertEqual(data['loss']['xlabel'], 'learner steps')
    self.assertEqual(data['return_vs_time']['xlabel'],
                     'seconds since the launch')

  def test_no_learner_csv_no_loss_plot(self):
    _evaluator(self.logdir, [(10.0, 100, 0.5)])
    paths = plot.write_run_plots(self.logdir)
    self.assertEqual([os.path.basename(p) for p in paths],
                     ['return_vs_time.png', 'return_vs_steps.png'])
    self.assertFalse(os.path.exists(
        os.path.join(self.logdir, 'plots', 'loss.png')))
    # No config.json: the title is the logdir's name.
    self.assertEqual(plot.read_png_data(paths[0])['title'],
                     os.path.basename(self.logdir))

  def test_columns_without_values_give_no_curve(self):
    # A learner that logs no loss, and an evaluator before its first round.
    _write(self.logdir, 'learner.csv', 'walltime_s,learner_steps\n1.0,5\n')
    _write(self.logdir, 'evaluator.csv',
           'walltime_s,actor_steps,episode_return\n3.0,10,\n')
    self.assertEqual(plot.curves(self.logdir), {})
    self.assertEqual(plot.write_run_plots(self.logdir), [])
    self.assertFalse(os.path.exists(os.path.join(self.logdir, 'plots')))

  def test_other_programs_files_give_no_curve(self):
    # lspi logs reducer.csv only.
    _write(self.logdir, 'reducer.csv',
           'walltime_s,actor_steps,policy_changes\n1.0,500,3\n')
    self.assertEqual(plot.curves(self.logdir), {})

  def test_a_row_cut_short_is_dropped(self):
    # A node killed mid-row: '0.7' may be the start of '0.75'.
    with open(os.path.join(self.logdir, 'evaluator.csv'), 'w') as f:
      f.write('walltime_s,actor_steps,episode_return\n'
              '1.0,10,0.5\n2.0,20,0.7')
    self.assertEqual(plot.curves(self.logdir)['return_vs_time'],
                     ([1.0], [0.5]))

  def test_a_png_of_another_program_is_refused(self):
    from PIL import Image  # pylint: disable=g-import-not-at-top
    path = os.path.join(self.logdir, 'other.png')
    Image.new('RGB', (4, 4)).save(path)
    with self.assertRaisesRegex(ValueError, 'distrl_curves'):
      plot.read_png_data(path)


class OverlayTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp(prefix='plot_test_')
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def test_seeds_of_one_configuration_give_mean_and_band(self):
    seeds = [os.path.join(self.root, f'seed{s}') for s in range(3)]
    # x = walltime_s; actor_steps = 100 x.
    runs = [[(0, 0.0), (10, 1.0), (20, 2.0)],
            [(5, 1.0), (15, 3.0), (25, 5.0)],
            [(0, 4.0), (20, 4.0)]]
    for seed, (logdir, rows) in enumerate(zip(seeds, runs)):
      _config(logdir, seed=seed)
      _evaluator(logdir, [(t, 100 * t, r) for t, r in rows])
    other = os.path.join(self.root, 'lower_learning_rate')
    _config(other, learning_rate=0.001)
    _evaluator(other, [(2, 200, -1.0), (30, 3000, 0.5)])
    out = os.path.join(self.root, 'out')

    paths = plot.overlay(seeds + [other], out)

    # No run has learner.csv: no loss figure.
    self.assertEqual(paths, [os.path.join(out, 'return_vs_time.png'),
                             os.path.join(out, 'return_vs_steps.png')])
    data = plot.read_png_data(paths[0])
    self.assertEqual(list(data['runs']), ['learning_rate=0.002 (3 seeds)',
                                          'learning_rate=0.001 (1 seed)'])
    group = data['runs']['learning_rate=0.002 (3 seeds)']
    self.assertEqual(group['seeds'], 3)
    self.assertEqual(group['logdirs'], seeds)
    # The grid is every seed's x; at each, the seeds whose range ([0, 20],
    # [5, 25], [0, 20]) covers it, interpolated: seed 0 at 5 is 0.5, seed 1
    # at 10 is 2.0 and at 20 is 4.0; at 0 seed 1 has not started, at 25 only
    # seed 1 is left.
    self.assertEqual(group['x'], [0.0, 5.0, 10.0, 15.0, 20.0, 25.0])
    nan = float('nan')
    seed_values = [[0.0, 0.5, 1.0, 1.5, 2.0, nan],
                   [nan, 1.0, 2.0, 3.0, 4.0, 5.0],
                   [4.0, 4.0, 4.0, 4.0, 4.0, nan]]
    columns = [[v for v in c if v == v] for c in zip(*seed_values)]
    self.assertEqual(group['count'], [2, 3, 3, 3, 3, 1])
    self.assertSequenceAlmostEqual(
        group['mean'], [2.0, 5.5 / 3, 7 / 3, 8.5 / 3, 10 / 3, 5.0])
    self.assertSequenceAlmostEqual(group['mean'],
                                   [sum(c) / len(c) for c in columns])
    self.assertEqual(group['low'], [0.0, 0.5, 1.0, 1.5, 2.0, 5.0])
    self.assertEqual(group['high'], [4.0, 4.0, 4.0, 4.0, 4.0, 5.0])
    single = data['runs']['learning_rate=0.001 (1 seed)']
    self.assertEqual(single['seeds'], 1)
    self.assertEqual(single['x'], [2.0, 30.0])
    self.assertEqual(single['mean'], [-1.0, 0.5])
    self.assertEqual(single['low'], single['mean'])
    self.assertEqual(single['high'], single['mean'])
    steps = plot.read_png_data(paths[1])['runs']
    self.assertEqual(steps['learning_rate=0.002 (3 seeds)']['x'],
                     [0.0, 500.0, 1000.0, 1500.0, 2000.0, 2500.0])

  def test_seeds_that_never_run_at_the_same_time_are_still_drawn(self):
    # A sweep's seeds each stop at their target: one seed's rounds can all
    # come before the other's first (as a slow start makes them).
    seeds = [os.path.join(self.root, f'seed{s}') for s in range(2)]
    for seed, (logdir, rows) in enumerate(
        zip(seeds, [[(13, 0.0), (17, 1.0)], [(29, -1.0), (33, 0.0)]])):
      _config(logdir, seed=seed)
      _evaluator(logdir, [(t, 100 * t, r) for t, r in rows])
    paths = plot.overlay(seeds, os.path.join(self.root, 'out'))
    (group,) = plot.read_png_data(paths[0])['runs'].values()
    self.assertEqual(group['seeds'], 2)
    self.assertEqual(group['x'], [13.0, 17.0, 29.0, 33.0])
    self.assertEqual(group['mean'], [0.0, 1.0, -1.0, 0.0])
    self.assertEqual(group['count'], [1, 1, 1, 1])

  def test_labels_name_what_differs_or_the_logdir(self):
    impala = os.path.join(self.root, 'impala_run')
    dqn = os.path.join(self.root, 'dqn_run')
    bare = os.path.join(self.root, 'bare_run')
    _config(impala)
    # dqn's hparams differ too, but between programs they always do: only
    # the program names it.
    _config(dqn, program='dqn', learning_rate=0.0001)
    for logdir in (impala, dqn, bare):
      _evaluator(logdir, [(1, 10, 0.0), (2, 20, 1.0)])
    paths = plot.overlay([impala, dqn, bare], os.path.join(self.root, 'out'))
    self.assertEqual(list(plot.read_png_data(paths[0])['runs']),
                     ['impala (1 seed)', 'dqn (1 seed)', 'bare_run (1 seed)'])

  def test_runs_of_one_configuration_alone_are_labelled_by_logdir(self):
    seeds = [os.path.join(self.root, f'run{s}') for s in range(2)]
    for seed, logdir in enumerate(seeds):
      _config(logdir, seed=seed)
      _evaluator(logdir, [(1, 10, float(seed)), (2, 20, 1.0)])
    paths = plot.overlay(seeds, os.path.join(self.root, 'out'))
    runs = plot.read_png_data(paths[0])['runs']
    self.assertEqual(list(runs), ['run0 (2 seeds)'])
    self.assertEqual(runs['run0 (2 seeds)']['mean'], [0.5, 1.0])


class CommandLineTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.root = tempfile.mkdtemp(prefix='plot_test_')
    self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)

  def _run(self, *args):
    return subprocess.run([sys.executable, '-m', 'launch.plot', *args],
                          cwd=helpers.REPO, capture_output=True, text=True,
                          timeout=120, check=False)

  def test_one_logdir_and_several(self):
    first, second = (os.path.join(self.root, n) for n in ('a', 'b'))
    for seed, logdir in enumerate((first, second)):
      _config(logdir, seed=seed)
      _evaluator(logdir, [(1, 10, 0.0), (2, 20, 1.0)])
    result = self._run(first)
    self.assertEqual(result.returncode, 0, result.stderr)
    expected = [os.path.join(first, 'plots', f'{name}.png')
                for name in ('return_vs_time', 'return_vs_steps')]
    self.assertEqual(result.stdout.split(), expected)
    for path in expected:
      self.assertTrue(os.path.isfile(path), path)
    out = os.path.join(self.root, 'overlay')
    result = self._run(first, second, f'--out={out}')
    self.assertEqual(result.returncode, 0, result.stderr)
    self.assertEqual(result.stdout.split(),
                     [os.path.join(out, f'{name}.png')
                      for name in ('return_vs_time', 'return_vs_steps')])
    self.assertEqual(
        plot.read_png_data(os.path.join(out, 'return_vs_time.png'))[
            'runs']['a (2 seeds)']['seeds'], 2)

  def test_a_logdir_without_csv_files_is_refused(self):
    empty = os.path.join(self.root, 'empty')
    os.makedirs(empty)
    result = self._run(empty)
    self.assertEqual(result.returncode, 2, result.stderr)
    self.assertIn(f'{empty} holds no CSV files', result.stderr)
    self.assertFalse(os.path.exists(os.path.join(empty, 'plots')))
    result = self._run(os.path.join(self.root, 'missing'))
    self.assertEqual(result.returncode, 2, result.stderr)
    self.assertIn('is not a directory', result.stderr)


if __name__ == '__main__':
  absltest.main()
