"""The ES program: its graph, input checks, and a test_mt run in which real
workers report to the real master until it has stepped."""

from absl.testing import absltest
import launchpad as lp

from agents.es import config as config_lib
from programs import es
from programs.nodes import budget as budget_lib
from tests import helpers

BUDGET = budget_lib.Budget(max_seconds=600)
SMALL = config_lib.ESConfig(noise_table_size=100_000, pairs_per_worker=4,
                            eval_episodes=2, eval_period_seconds=0.5)


class ESProgramTest(absltest.TestCase):

  def test_groups(self):
    program = es.make_program(SMALL, 'cartpole', num_actors=3,
                              budget=BUDGET)
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'parameter_server': 1, 'worker': 3, 'evaluator': 1})

  def test_bad_input_raises(self):
    with self.assertRaisesRegex(ValueError, 'num_actors=0 must be >= 1'):
      es.make_program(SMALL, 'cartpole', num_actors=0, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'continuous ones'):
      es.make_program(SMALL, 'cartpole/swingup', num_actors=1,
                      budget=BUDGET)

  def test_workers_drive_the_master(self):
    program = es.make_program(SMALL, 'cartpole', num_actors=2,
                              budget=BUDGET)
    lp.launch(program, launch_type='test_mt', test_case=self)
    (counter_node,) = program.groups['counter']
    counts = helpers.wait_for_counts(
        counter_node.create_handle().dereference(),
        {'learner_steps': 5, 'episodes': 5 * 2 * 2 * 4})
    self.assertGreaterEqual(counts['learner_steps'], 5)
    (master_node,) = program.groups['parameter_server']
    stats = master_node.create_handle().dereference().stats()
    self.assertGreaterEqual(stats['version'], 5)
    self.assertLess(stats['mean_report_bytes'], 1024)


if __name__ == '__main__':
  absltest.main()
