"""`python -m benchmarks.alphazero --part=match`: a run's evaluated weights
against an opponent over many games, with the win rate's interval."""

import subprocess
import sys
import tempfile

from absl.testing import absltest

from benchmarks import alphazero
from tests import helpers
from tests.launch import play_test


class WilsonIntervalTest(absltest.TestCase):

  def test_known_values(self):
    # 7 of 10: 0.397-0.892 (Wilson 1927; the usual tables).
    low, high = alphazero.wilson_interval(7, 10)
    self.assertAlmostEqual(low, 0.3968, places=3)
    self.assertAlmostEqual(high, 0.8922, places=3)
    # 10 of 10 stays below 1 at the top and well above 0.9 at the bottom
    # only with many games.
    self.assertAlmostEqual(alphazero.wilson_interval(10, 10)[1], 1.0)
    self.assertLess(alphazero.wilson_interval(10, 10)[0], 0.75)
    self.assertGreater(alphazero.wilson_interval(100, 100)[0], 0.96)


class MatchTest(absltest.TestCase):

  def test_the_logdir_weights_play_the_opponent(self):
    with tempfile.TemporaryDirectory() as logdir:
      play_test.make_logdir(logdir)
      text = alphazero.match(logdir, 6, 'perfect', seed=3)
    self.assertIn('tic_tac_toe', text)
    self.assertIn('vs perfect, 6 games', text)
    self.assertIn('searching 50 simulations', text)
    # Nobody beats perfect play at tic-tac-toe.
    self.assertRegex(text, r'win/draw/loss 0\.00/')
    self.assertRegex(text, r'interval 0\.00-0\.\d\d$')

  def test_cli_needs_a_logdir(self):
    result = subprocess.run(
        [sys.executable, '-m', 'benchmarks.alphazero', '--part=match'],
        cwd=helpers.REPO, capture_output=True, text=True, timeout=120,
        check=False)
    self.assertEqual(result.returncode, 2)
    self.assertIn('--part=match needs --logdir', result.stderr)


if __name__ == '__main__':
  absltest.main()
