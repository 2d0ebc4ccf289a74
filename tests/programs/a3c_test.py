"""The A3C and A2C programs: their graphs, input checks, and test_mt runs
in which real workers push gradients to real parameter-server nodes."""

from absl.testing import absltest
from absl.testing import parameterized
import launchpad as lp

from agents.a3c import config as config_lib
from programs import a3c
from programs.nodes import budget as budget_lib
from tests import helpers

BUDGET = budget_lib.Budget(max_seconds=600)
SMALL = dict(envs_per_worker=2, unroll_length=5, hidden_sizes=(16,),
             eval_episodes=2, eval_period_seconds=0.5, num_shards=2)


class GraphTest(parameterized.TestCase):

  @parameterized.parameters(config_lib.A3CConfig, config_lib.A2CConfig)
  def test_groups(self, config_class):
    program = a3c.make_program(config_class(**SMALL), 'cartpole',
                               num_actors=3, budget=BUDGET)
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'parameter_server': 2, 'worker': 3, 'evaluator': 1})

  @parameterized.parameters((1, 'sync'), (2, 'alternating'))
  def test_a2c_central_inference_is_impalas_strategy(self, replicas,
                                                     sampling):
    config = config_lib.A2CConfig(**SMALL, inference='central',
                                  central_sampling=sampling,
                                  learner_replicas=replicas)
    program = a3c.make_program(config, 'cartpole', num_actors=3,
                               budget=BUDGET)
    expected = {'counter': 1, 'replay': 1, 'learner': replicas,
                'variable_server': 1, 'action_server': 1, 'worker': 3,
                'evaluator': 1}
    if replicas > 1:
      expected['all_reduce'] = 1
    self.assertEqual({g: len(n) for g, n in program.groups.items()},
                     expected)
    with self.assertRaisesRegex(ValueError, "is A2C's"):
      config_lib.A3CConfig(**SMALL, inference='central')
    with self.assertRaisesRegex(ValueError, "needs inference='central'"):
      config_lib.A2CConfig(**SMALL, learner_replicas=2)
    with self.assertRaisesRegex(ValueError, 'must divide batch_size=16'):
      config_lib.A2CConfig(**SMALL, inference='central', learner_replicas=3)

  def test_bad_input_raises(self):
    with self.assertRaisesRegex(ValueError, 'num_actors=0 must be >= 1'):
      a3c.make_program(config_lib.A3CConfig(**SMALL), 'cartpole',
                       num_actors=0, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'continuous ones'):
      a3c.make_program(config_lib.A3CConfig(**SMALL), 'cartpole/swingup',
                       num_actors=1, budget=BUDGET)


class SmokeTest(parameterized.TestCase):
  """Every node in threads; the workers' pushes are counted as updates."""

  @parameterized.named_parameters(('a3c', config_lib.A3CConfig),
                                  ('a2c', config_lib.A2CConfig))
  def test_workers_update_the_parameter_server(self, config_class):
    program = a3c.make_program(config_class(**SMALL), 'cartpole',
                               num_actors=2, budget=BUDGET)
    lp.launch(program, launch_type='test_mt', test_case=self)
    (counter_node,) = program.groups['counter']
    counts = helpers.wait_for_counts(
        counter_node.create_handle().dereference(),
        {'learner_steps': 6, 'actor_steps': 1})
    self.assertGreaterEqual(counts['learner_steps'], 6)
    stats = [n.create_handle().dereference().stats()
             for n in program.groups['parameter_server']]
    # The first shard counts its updates; the other took the same pushes.
    self.assertGreaterEqual(stats[0]['applied'], 6)
    self.assertGreaterEqual(stats[1]['applied'], 6)
    if config_class is config_lib.A2CConfig:
      self.assertEqual(stats[0]['dropped'], 0)  # Workers wait each round.


if __name__ == '__main__':
  absltest.main()
