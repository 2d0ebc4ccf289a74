"""The DQN, Ape-X and Gorila programs: their graphs, input checks, and a
test_mt smoke run of each learner against its real nodes."""

from absl.testing import absltest
from absl.testing import parameterized

from agents.common import replay_learner
from agents.dqn import config as config_lib
from programs import apex
from programs import dqn
from programs import gorila
from programs.nodes import budget as budget_lib
from tests import helpers

BUDGET = budget_lib.Budget(max_seconds=600)
SMALL = dict(envs_per_actor=2, batch_size=8, min_replay_size=16,
             replay_size=500, insert_batch=8, hidden_sizes=(16,),
             eval_episodes=2, eval_period_seconds=0.5, samples_per_insert=0.0)


class GraphTest(parameterized.TestCase):

  @parameterized.parameters(1, 3)
  def test_dqn_and_apex_groups(self, num_actors):
    for module, config in ((dqn, config_lib.DQNConfig(**SMALL)),
                           (apex, config_lib.ApexConfig(**SMALL))):
      program = module.make_program(config, 'cartpole',
                                    num_actors=num_actors, budget=BUDGET)
      self.assertEqual(
          {g: len(n) for g, n in program.groups.items()},
          {'counter': 1, 'replay': 1, 'learner': 1, 'variable_server': 1,
           'actor': num_actors, 'evaluator': 1})

  @parameterized.parameters(('shared', 3, 2, 2, 1), ('bundled', 2, 2, 3, 2))
  def test_gorila_groups(self, mode, num_actors, num_learners, num_shards,
                         num_replays):
    config = config_lib.GorilaConfig(**SMALL, replay_mode=mode,
                                     num_learners=num_learners,
                                     num_shards=num_shards)
    program = gorila.make_program(config, 'cartpole', num_actors=num_actors,
                                  budget=BUDGET)
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'replay': num_replays, 'parameter_server': num_shards,
         'learner': num_learners, 'actor': num_actors, 'evaluator': 1})

  def test_bad_input_raises(self):
    config = config_lib.GorilaConfig(**SMALL, replay_mode='bundled',
                                     num_learners=2)
    with self.assertRaisesRegex(ValueError, 'num_learners=2 must equal'):
      gorila.make_program(config, 'cartpole', num_actors=3, budget=BUDGET)
    for module, config_class in ((dqn, config_lib.DQNConfig),
                                 (apex, config_lib.ApexConfig),
                                 (gorila, config_lib.GorilaConfig)):
      with self.assertRaisesRegex(ValueError, 'num_actors=0 must be >= 1'):
        module.make_program(config_class(**SMALL), 'cartpole',
                            num_actors=0, budget=BUDGET)
      with self.assertRaisesRegex(ValueError, 'continuous ones'):
        module.make_program(config_class(**SMALL), 'cartpole/swingup',
                            num_actors=1, budget=BUDGET)

  def test_config_checks(self):
    with self.assertRaisesRegex(ValueError, 'min_replay_size=10 must be at '
                                'least batch_size=64'):
      config_lib.DQNConfig(min_replay_size=10)
    with self.assertRaisesRegex(ValueError, 'must be True'):
      config_lib.ApexConfig(prioritized=False)
    with self.assertRaisesRegex(ValueError, "replay_mode='ring'"):
      config_lib.GorilaConfig(replay_mode='ring')
    with self.assertRaisesRegex(ValueError, 'num_atoms'):
      config_lib.DQNConfig(distributional=True, v_min=1.0, v_max=0.0)
    with self.assertRaisesRegex(ValueError, 'discount=1.5'):
      config_lib.DQNConfig(discount=1.5)


class SmokeTest(parameterized.TestCase):
  """Real nodes in threads; the learner is stepped by the test."""

  @parameterized.named_parameters(
      ('dqn', dqn, config_lib.DQNConfig),
      ('apex', apex, config_lib.ApexConfig),
      ('gorila', gorila, config_lib.GorilaConfig))
  def test_learner_steps_on_actor_data(self, module, config_class):
    program = module.make_program(config_class(**SMALL), 'cartpole',
                                  num_actors=2, budget=BUDGET)
    (learner,), counter = helpers.launch_test_mt(self, program)
    # The learner counts in batches of COUNT_PERIOD steps.
    for _ in range(replay_learner.COUNT_PERIOD):
      learner.step()  # Waits for min_replay_size transitions from actors.
    counts = helpers.wait_for_counts(
        counter, {'learner_steps': replay_learner.COUNT_PERIOD,
                  'actor_steps': 1})
    self.assertEqual(counts['learner_steps'], replay_learner.COUNT_PERIOD)
    self.assertGreaterEqual(counts['actor_steps'], SMALL['min_replay_size'])
    (variables,) = learner.get_variables(['network'])
    self.assertNotEmpty(variables)
    if module is gorila:  # The updates happened on the parameter server.
      shard = program.groups['parameter_server'][0].create_handle()
      self.assertEqual(shard.dereference().stats()['applied'],
                       replay_learner.COUNT_PERIOD)

  def test_gorila_bundled_two_learners_share_the_shards(self):
    config = config_lib.GorilaConfig(**SMALL, replay_mode='bundled',
                                     num_learners=2, num_shards=2)
    program = gorila.make_program(config, 'cartpole', num_actors=2,
                                  budget=BUDGET)
    learners, _ = helpers.launch_test_mt(self, program)
    for _ in range(4):
      for learner in learners:  # Each samples its own bundle's replay.
        learner.step()
    for node in program.groups['parameter_server']:
      stats = node.create_handle().dereference().stats()
      # Both learners' pushes reached every shard; none is stale here
      # (each learner is at most one update behind the other).
      self.assertEqual(stats, {'version': 8, 'applied': 8, 'dropped': 0})


if __name__ == '__main__':
  absltest.main()
