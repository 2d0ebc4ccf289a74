"""Seeded learning: R2D2 solves Catch, and solves a memory task that the
feed-forward Ape-X (the same replay machinery, the same number of learner
updates) does not.

Memory task: CartPole observing only the cart position and the pole angle
(`cartpole_no_velocity`); the velocities must be inferred from the history.
Measured on 2 cores (benchmarks/results.md): R2D2 reached 300 after about
1,500-2,300 updates and 500 in several runs; feed-forward Ape-X stayed near
40-46 for 17,000 updates. Threshold 300, budget 6,000 learner updates for
both, so neither verdict is close. Catch: threshold 0.8 (random play about
-0.6), solved after about 700 updates; budget 3,000. Budgets are in learner
updates (the samples-per-insert limiter ties acting to them), so a slow
machine takes longer but learns the same; MAX_SECONDS is only a safety net.
How fast each gets there is a benchmark (benchmarks/r2d2.py), not a test.
"""

import csv
import os
import tempfile

from absl.testing import absltest
import pytest

from tests import helpers

pytestmark = [pytest.mark.learning, pytest.mark.launch]

MEMORY_TARGET = 300.0
MEMORY_MAX_LEARNER_STEPS = 6_000
CATCH_MAX_LEARNER_STEPS = 3_000
MAX_SECONDS = 900  # Safety net only.
# Both programs in the same two processes: learner side | actor side.
COLOCATE = '--colocate=replay+learner+counter+variable_server,evaluator+actor'


def run(flags, max_learner_steps, target):
  """Launches; returns (output, [(walltime_s, evaluator mean return)])."""
  with tempfile.TemporaryDirectory() as logdir:
    with helpers.Launch(flags + ['--seed=1', '--num_actors=2', COLOCATE,
                                 f'--max_learner_steps={max_learner_steps}',
                                 f'--max_seconds={MAX_SECONDS}',
                                 f'--target_return={target}',
                                 f'--logdir={logdir}'],
                        MAX_SECONDS + 180) as launch:
      code = launch.wait()
      leftovers = launch.leftovers()
    with open(os.path.join(logdir, 'evaluator.csv'), newline='') as f:
      rows = list(csv.DictReader(f))
  assert code == 0, launch.output()[-4000:]
  assert not leftovers, f'processes left behind: {leftovers}'
  return launch.output(), [(float(r['walltime_s']),
                            float(r['episode_return'])) for r in rows]


def best_three_round_mean(curve):
  returns = [r for _, r in curve]
  return max(sum(returns[i:i + 3]) / 3 for i in range(len(returns) - 2))


class R2D2LearningTest(absltest.TestCase):

  def test_solves_catch(self):
    output, curve = run(['--program=r2d2', '--env=catch'],
                        CATCH_MAX_LEARNER_STEPS, 0.8)
    print('r2d2 catch evaluator (s, return):', curve)
    self.assertIn('budget reached (target_return=0.8)', output)
    self.assertGreaterEqual(sum(r for _, r in curve[-3:]) / 3, 0.8)

  def test_memory_task_needs_the_recurrent_agent(self):
    flags = ['--env=cartpole_no_velocity']
    r2d2_output, r2d2_curve = run(['--program=r2d2'] + flags,
                                  MEMORY_MAX_LEARNER_STEPS, MEMORY_TARGET)
    apex_output, apex_curve = run(['--program=apex'] + flags,
                                  MEMORY_MAX_LEARNER_STEPS, MEMORY_TARGET)
    r2d2_best = best_three_round_mean(r2d2_curve)
    apex_best = best_three_round_mean(apex_curve)
    print(f'cartpole_no_velocity, {MEMORY_MAX_LEARNER_STEPS} updates budget, '
          f'best 3-round mean: R2D2 {r2d2_best:.1f} (reached '
          f'{MEMORY_TARGET} at {r2d2_curve[-1][0]:.0f} s); feed-forward '
          f'Ape-X {apex_best:.1f}')
    self.assertIn(f'budget reached (target_return={MEMORY_TARGET})',
                  r2d2_output)
    self.assertGreaterEqual(r2d2_best, MEMORY_TARGET)
    self.assertIn(
        f'budget reached (max_learner_steps={MEMORY_MAX_LEARNER_STEPS})',
        apex_output)
    self.assertLess(apex_best, MEMORY_TARGET)


if __name__ == '__main__':
  absltest.main()
