"""Seeded learning: A3C, A2C and ES each reach a mean evaluator return of
475 on CartPole-v1 as local_mp programs, and exit cleanly.

Each launch stops itself once the mean of its last three evaluator rounds
reaches 475. The budget is in learner steps (updates of the parameter
server; ES: iterations), about four times what each needed on 2 cores
(benchmarks/results.md: A3C ~2,500 updates, A2C ~1,800 rounds, ES ~30
iterations), so a slow machine takes longer but cannot flip the verdict;
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

TARGET = 475.0
MAX_LEARNER_STEPS = {'a3c': 10_000, 'a2c': 8_000, 'es': 200}
MAX_SECONDS = 900  # Safety net only.


class CartPoleTest(parameterized.TestCase):

  @parameterized.parameters('a3c', 'a2c', 'es')
  def test_reaches_475_and_exits_cleanly(self, program):
    with tempfile.TemporaryDirectory() as logdir:
      with helpers.Launch([f'--program={program}', '--env=cartpole',
                           '--num_actors=2', '--seed=1',
                           f'--max_learner_steps={MAX_LEARNER_STEPS[program]}',
                           f'--max_seconds={MAX_SECONDS}',
                           f'--target_return={TARGET}',
                           f'--logdir={logdir}'],
                          MAX_SECONDS + 180) as launch:
        self.assertEqual(launch.wait(), 0, launch.output()[-4000:])
        self.assertEmpty(launch.leftovers(), 'processes left behind')
      with open(os.path.join(logdir, 'evaluator.csv'), newline='') as f:
        rows = list(csv.DictReader(f))
      curve = [(float(r['walltime_s']), float(r['episode_return']))
               for r in rows]
      print(f'{program} evaluator (s, return):', curve)
      self.assertIn(f'budget reached (target_return={TARGET})',
                    launch.output())
      self.assertGreaterEqual(sum(r for _, r in curve[-3:]) / 3, TARGET)


if __name__ == '__main__':
  absltest.main()
