"""Seeded learning: PPO (synchronous sampling) and APPO (asynchronous)
solve CartPole-v1 as local_mp programs.

Random play scores about 22. Each launch stops itself once the mean of
three evaluator rounds reaches 475. The budget is in learner updates
(minibatch steps): 20,000, about four times the ~5,000 both needed with
seed 1 (benchmarks/results.md). In synchronous mode an iteration is exactly
one unroll per environment, so a slow machine learns the same run more
slowly; MAX_SECONDS is only a safety net for a run that hangs.
"""

import csv
import os
import tempfile

from absl.testing import absltest
from absl.testing import parameterized
import pytest

from tests import helpers

pytestmark = [pytest.mark.learning, pytest.mark.launch]

TARGET = 475.0
MAX_LEARNER_STEPS = 20_000
MAX_SECONDS = 900  # Safety net only.


def read_csv(path):
  with open(path, newline='') as f:
    return list(csv.DictReader(f))


class CartPoleTest(parameterized.TestCase):

  @parameterized.parameters('ppo', 'appo')
  def test_reaches_475_and_exits_cleanly(self, program):
    with tempfile.TemporaryDirectory() as logdir:
      with helpers.Launch([f'--program={program}', '--env=cartpole',
                           '--num_actors=2', '--seed=1',
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
      self.assertLess(returns[0], TARGET)
      self.assertGreaterEqual(len(returns), 3)
      self.assertGreaterEqual(sum(returns[-3:]) / 3, TARGET)
      self.assertIn(f'budget reached (target_return={TARGET})',
                    launch.output())
      learner = read_csv(os.path.join(logdir, 'learner.csv'))
      self.assertLess(float(learner[-1]['learner_steps']), MAX_LEARNER_STEPS)


if __name__ == '__main__':
  absltest.main()
