"""Seeded learning: DQN, Ape-X and Gorila reach a mean evaluator return of
400 on CartPole-v1 as local_mp programs.

Random play scores about 22. Each launch stops itself as soon as the mean
of its last three evaluator rounds (16 greedy episodes each) reaches 400
(`--target_return`). The budget is in learner updates: 40,000, about two and
a half times the ~16,000 the slowest (DQN, Gorila) needed
(benchmarks/results.md); the samples-per-insert limiter ties environment
steps to updates, so a slow machine takes longer but learns the same.
MAX_SECONDS is only a safety net for a run that hangs.
"""

import csv
import os
import tempfile

from absl.testing import absltest
from absl.testing import parameterized
import pytest

from tests import helpers

pytestmark = [pytest.mark.learning, pytest.mark.launch]

TARGET = 400.0
MAX_LEARNER_STEPS = 40_000
MAX_SECONDS = 1200  # Safety net only.


def read_csv(path):
  with open(path, newline='') as f:
    return list(csv.DictReader(f))


class CartPoleTest(parameterized.TestCase):

  # Ape-X runs from its launch config: every node in one process
  # (colocation), the layout that meets the memory target.
  @parameterized.parameters(
      ('dqn', ['--program=dqn', '--num_actors=1']),
      ('apex', ['--config=launch/configs/apex_cartpole.json']),
      ('gorila', ['--program=gorila', '--num_actors=2']))
  def test_reaches_400_and_exits_cleanly(self, program, flags):
    with tempfile.TemporaryDirectory() as logdir:
      with helpers.Launch(flags + ['--env=cartpole', '--seed=1',
                                   f'--max_learner_steps={MAX_LEARNER_STEPS}',
                                   f'--max_seconds={MAX_SECONDS}',
                                   f'--target_return={TARGET}',
                                   f'--logdir={logdir}'],
                          MAX_SECONDS + 180) as launch:
        self.assertEqual(launch.wait(), 0, launch.output()[-4000:])
        self.assertEmpty(launch.leftovers(), 'processes left behind')
      evaluator = read_csv(os.path.join(logdir, 'evaluator.csv'))
      returns = [float(row['episode_return']) for row in evaluator]
      times = [float(row['walltime_s']) for row in evaluator]
      print(f'{program} evaluator returns:', list(zip(times, returns)))
      self.assertGreaterEqual(len(returns), 3)
      self.assertGreaterEqual(sum(returns[-3:]) / 3, TARGET)
      self.assertIn(f'budget reached (target_return={TARGET})',
                    launch.output())
      learner = read_csv(os.path.join(logdir, 'learner.csv'))
      self.assertGreater(float(learner[-1]['learner_steps']), 100)


if __name__ == '__main__':
  absltest.main()
