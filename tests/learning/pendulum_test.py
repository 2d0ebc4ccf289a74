"""Seeded learning: Ape-X DPG (2 actors) and DPG-R (1 actor, replay ratio
1) swing Pendulum-v1 up to a mean evaluator return of -200 as local_mp
programs.

Random play scores about -1,200. The launch stops itself once the mean of
its last three evaluator rounds (8 noise-free episodes each) reaches -200
(`--target_return`). The budget is in learner updates: 6,000, about three
times what each needed (Ape-X DPG: 1,100-2,100 in fourteen runs; DPG-R:
1,900-2,300 in three runs of seed 1, benchmarks/results.md); the table's
rate limiter ties environment steps to updates, so a slow machine takes
longer but learns the same. MAX_SECONDS is only a safety net for a run
that hangs.

DPG-R had no test until its policy stopped saturating: without the policy's
pre-activation penalty (`agents.dpg.losses.preactivation_penalty`) two of
three runs of seed 1 on a loaded machine stayed at -1,300 to -1,600 after
10,000 updates, the policy's gradient exactly 0 in most of them.
"""

import csv
import os
import tempfile

from absl.testing import absltest
from absl.testing import parameterized
import pytest

from tests import helpers

pytestmark = [pytest.mark.learning, pytest.mark.launch]

TARGET = -200.0
MAX_LEARNER_STEPS = 6_000
MAX_SECONDS = 900  # Safety net only.


def read_csv(path):
  with open(path, newline='') as f:
    return list(csv.DictReader(f))


class PendulumTest(parameterized.TestCase):

  @parameterized.parameters(('apex_dpg', 2), ('dpg_r', 1))
  def test_reaches_minus_200_and_exits_cleanly(self, program, num_actors):
    with tempfile.TemporaryDirectory() as logdir:
      with helpers.Launch([f'--program={program}', '--env=pendulum',
                           f'--num_actors={num_actors}', '--seed=1',
                           f'--max_learner_steps={MAX_LEARNER_STEPS}',
                           f'--max_seconds={MAX_SECONDS}',
                           f'--target_return={TARGET}',
                           f'--logdir={logdir}'],
                          MAX_SECONDS + 180) as launch:
        self.assertEqual(launch.wait(), 0, launch.output()[-4000:])
        self.assertEmpty(launch.leftovers(), 'processes left behind')
      evaluator = read_csv(os.path.join(logdir, 'evaluator.csv'))
      returns = [float(row['episode_return']) for row in evaluator]
      print(f'{program} evaluator returns:',
            [(row['walltime_s'], row['episode_return']) for row in evaluator])
      self.assertGreaterEqual(len(returns), 3)
      self.assertGreaterEqual(sum(returns[-3:]) / 3, TARGET)
      self.assertIn(f'budget reached (target_return={TARGET})',
                    launch.output())


if __name__ == '__main__':
  absltest.main()
