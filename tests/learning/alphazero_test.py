"""Seeded learning: AlphaZero stops losing to perfect tic-tac-toe.

The evaluator's return is the score against perfect play (a loss -1, a
draw 0; a win is impossible), so --target_return=0 stops the run after
three evaluation rounds in a row without a loss (20 games each, both
seats). The budget is in learner steps; MAX_SECONDS is only a safety net.
The evaluator's rounds come by the clock (one every ~15 s), so a fast
learner fits fewer of them into its steps: with 8,000 a full-suite run had
its first loss-free round at 6,300 updates but not three in a row before
the budget, and with 16,000 one (2026-12-02, fresh clone at c946631, the
learner at 100 updates/s) used its 160 s on 11 rounds: loss-free at 32 s
and in the last (148 s), one to three losses in 20 games in most rounds
between. 24,000 leaves room; the run stops at the target, so a passing
run takes no longer (alone, the same day: 59 s, rounds 2-4 loss-free).
"""

import csv
import os
import tempfile

from absl.testing import absltest
import pytest

from tests import helpers

pytestmark = [pytest.mark.learning, pytest.mark.launch]

MAX_LEARNER_STEPS = 24_000
MAX_SECONDS = 1200  # Safety net only.


class AlphaZeroTicTacToeTest(absltest.TestCase):

  def test_stops_losing_to_perfect_play(self):
    with tempfile.TemporaryDirectory() as logdir:
      with helpers.Launch(['--program=alphazero', '--env=tic_tac_toe',
                           '--num_actors=2', '--seed=1',
                           f'--max_learner_steps={MAX_LEARNER_STEPS}',
                           '--target_return=0',
                           f'--max_seconds={MAX_SECONDS}',
                           f'--logdir={logdir}'],
                          MAX_SECONDS + 180) as launch:
        self.assertEqual(launch.wait(), 0, launch.output()[-4000:])
        self.assertEmpty(launch.leftovers(), 'processes left behind')
      self.assertIn('budget reached (target_return=0', launch.output())
      with open(os.path.join(logdir, 'evaluator.csv'), newline='') as f:
        rounds = list(csv.DictReader(f))
      print('perfect-play loss rate per round:',
            [r['perfect_loss'] for r in rounds])
      for row in rounds[-3:]:
        self.assertEqual(float(row['perfect_loss']), 0.0)
      self.assertGreater(float(rounds[-1]['optimal_move_rate']),  # Learned.
                         float(rounds[0]['optimal_move_rate']))


if __name__ == '__main__':
  absltest.main()
