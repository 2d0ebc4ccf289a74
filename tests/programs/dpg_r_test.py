"""The DPG-R program: its graphs (one learner, or asynchronous workers with
their own or a shared replay and policy and critic shards), its input
checks, and test_mt smoke runs of both learners against real nodes."""

from absl.testing import absltest
from absl.testing import parameterized

from agents.common import replay_learner
from agents.dpg import config as config_lib
from programs import dpg_r
from programs.nodes import budget as budget_lib
from tests import helpers
from tests.programs import apex_dpg_test

BUDGET = budget_lib.Budget(max_seconds=600)
SMALL = apex_dpg_test.SMALL


class GraphTest(parameterized.TestCase):

  def test_one_learner(self):
    program = dpg_r.make_program(config_lib.DPGRConfig(**SMALL), 'pendulum',
                                 num_actors=2, budget=BUDGET)
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'replay': 1, 'learner': 1, 'variable_server': 1,
         'actor': 2, 'evaluator': 1})

  @parameterized.parameters(('own', 3), ('shared', 1))
  def test_asynchronous_workers(self, sharing, num_replays):
    config = config_lib.DPGRConfig(**SMALL, asynchronous_workers=True,
                                   replay_sharing=sharing, num_shards=2)
    program = dpg_r.make_program(config, 'pendulum', num_actors=3,
                                 budget=BUDGET)
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'replay': num_replays, 'parameter_server': 4,
         'learner': 3, 'actor': 3, 'evaluator': 1})

  def test_bad_input_raises(self):
    with self.assertRaisesRegex(ValueError, "dpg_r .*'catch'"):
      dpg_r.make_program(config_lib.DPGRConfig(**SMALL), 'catch',
                         num_actors=1, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'pendulum'):
      dpg_r.make_program(
          config_lib.DPGRConfig(**SMALL, shaped_reward=True), 'pendulum',
          num_actors=1, budget=BUDGET)


class SmokeTest(parameterized.TestCase):
  """Real nodes in threads; the learners are stepped by the test."""

  def test_asynchronous_workers_update_the_shards(self):
    config = config_lib.DPGRConfig(**SMALL, asynchronous_workers=True,
                                   num_shards=1)
    program = dpg_r.make_program(config, 'reach_push', num_actors=2,
                                 budget=BUDGET)
    learners, counter = helpers.launch_test_mt(self, program)
    for _ in range(replay_learner.COUNT_PERIOD):
      for learner in learners:  # Each samples its own worker's replay.
        learner.step()
    helpers.wait_for_counts(
        counter, {'learner_steps': 2 * replay_learner.COUNT_PERIOD})
    for node in program.groups['parameter_server']:
      stats = node.create_handle().dereference().stats()
      self.assertEqual(stats['applied'] + stats['dropped'],
                       2 * replay_learner.COUNT_PERIOD)
      self.assertGreater(stats['applied'], 0)

  def test_one_learner_with_task_options(self):
    config = config_lib.DPGRConfig(**SMALL, shaped_reward=True,
                                   instructive_start_probability=0.5)
    program = dpg_r.make_program(config, 'reach_push', num_actors=1,
                                 budget=BUDGET)
    (learner,), counter = helpers.launch_test_mt(self, program)
    for _ in range(replay_learner.COUNT_PERIOD):
      learner.step()
    counts = helpers.wait_for_counts(
        counter, {'learner_steps': replay_learner.COUNT_PERIOD})
    self.assertGreaterEqual(counts['actor_steps'], SMALL['min_replay_size'])


if __name__ == '__main__':
  absltest.main()
