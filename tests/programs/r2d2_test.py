"""The R2D2 program: its graph, input checks, a test_mt smoke run of the
learner against its real nodes, and `python -m launch --program=r2d2`."""

from absl.testing import absltest
from absl.testing import parameterized
import pytest

from agents.common import replay_learner
from agents.r2d2 import config as config_lib
from programs import r2d2
from programs.nodes import budget as budget_lib
from tests import helpers

BUDGET = budget_lib.Budget(max_seconds=600)
SMALL = config_lib.R2D2Config(
    envs_per_actor=2, batch_size=4, min_replay_size=8, replay_size=200,
    insert_batch=2, hidden_sizes=(16,), lstm_size=16, sequence_length=8,
    burn_in=2, sequence_period=4, eval_episodes=2, eval_period_seconds=0.5,
    samples_per_insert=0.0)


class GraphTest(parameterized.TestCase):

  @parameterized.parameters(1, 3)
  def test_groups(self, num_actors):
    program = r2d2.make_program(SMALL, 'catch', num_actors=num_actors,
                                budget=BUDGET)
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'replay': 1, 'learner': 1, 'variable_server': 1,
         'actor': num_actors, 'evaluator': 1})

  def test_bad_input_raises(self):
    with self.assertRaisesRegex(ValueError, 'num_actors=0 must be >= 1'):
      r2d2.make_program(SMALL, 'catch', num_actors=0, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'continuous ones'):
      r2d2.make_program(SMALL, 'cartpole/swingup', num_actors=1,
                        budget=BUDGET)


class SmokeTest(absltest.TestCase):
  """Real nodes in threads; the learner is stepped by the test."""

  def test_learner_steps_on_actor_sequences(self):
    program = r2d2.make_program(SMALL, 'cartpole_no_velocity', num_actors=2,
                                budget=BUDGET)
    (learner,), counter = helpers.launch_test_mt(self, program)
    for _ in range(replay_learner.COUNT_PERIOD):
      learner.step()  # Waits for min_replay_size sequences from actors.
    counts = helpers.wait_for_counts(
        counter, {'learner_steps': replay_learner.COUNT_PERIOD,
                  'actor_steps': 1})
    self.assertEqual(counts['learner_steps'], replay_learner.COUNT_PERIOD)
    # min_replay_size sequences of sequence_length steps were acted first.
    self.assertGreaterEqual(counts['actor_steps'],
                            SMALL.min_replay_size * SMALL.sequence_period)
    (variables,) = learner.get_variables(['network'])
    self.assertNotEmpty(variables)


@pytest.mark.launch
class LaunchTest(absltest.TestCase):

  def test_local_mp_launch_runs_and_exits_cleanly(self):
    with helpers.Launch(['--program=r2d2', '--env=catch', '--num_actors=1',
                         '--max_learner_steps=30', '--max_seconds=120',
                         '--hparam=min_replay_size=64'], 240) as launch:
      self.assertEqual(launch.wait(), 0, launch.output()[-4000:])
      self.assertEmpty(launch.leftovers(), 'processes left behind')
    self.assertIn('budget reached (max_learner_steps=30)', launch.output())


if __name__ == '__main__':
  absltest.main()
