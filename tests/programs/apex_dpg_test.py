"""The Ape-X DPG program: its graph, input checks (a continuous task only,
the reverse of the DQN family), and a test_mt smoke run of the learner
against its real nodes."""

from absl.testing import absltest
from absl.testing import parameterized

from agents.common import replay_learner
from agents.dpg import config as config_lib
from agents.dqn import config as dqn_config
from programs import apex_dpg
from programs import dqn
from programs.nodes import budget as budget_lib
from tests import helpers

BUDGET = budget_lib.Budget(max_seconds=600)
SMALL = dict(envs_per_actor=2, batch_size=8, min_replay_size=16,
             replay_size=500, insert_batch=8, policy_hidden_sizes=(16,),
             critic_hidden_sizes=(16,), eval_episodes=2,
             eval_period_seconds=0.5, replay_ratio=0.0)


class GraphTest(parameterized.TestCase):

  @parameterized.parameters(1, 3)
  def test_groups(self, num_actors):
    program = apex_dpg.make_program(config_lib.ApexDPGConfig(**SMALL),
                                    'pendulum', num_actors=num_actors,
                                    budget=BUDGET)
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'replay': 1, 'learner': 1, 'variable_server': 1,
         'actor': num_actors, 'evaluator': 1})

  def test_bad_input_raises_naming_program_and_environment(self):
    config = config_lib.ApexDPGConfig(**SMALL)
    with self.assertRaisesRegex(ValueError, 'num_actors=0 must be >= 1'):
      apex_dpg.make_program(config, 'pendulum', num_actors=0, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, "apex_dpg .*'cartpole'"):
      apex_dpg.make_program(config, 'cartpole', num_actors=1, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, "dqn .*'pendulum'"):
      dqn.make_program(dqn_config.DQNConfig(), 'pendulum', num_actors=1,
                       budget=BUDGET)


class SmokeTest(parameterized.TestCase):
  """Real nodes in threads; the learner is stepped by the test."""

  @parameterized.parameters(('pendulum', False), ('cartpole/balance', True))
  def test_learner_steps_on_actor_data(self, environment, distributional):
    config = config_lib.ApexDPGConfig(**SMALL, distributional=distributional)
    program = apex_dpg.make_program(config, environment, num_actors=2,
                                    budget=BUDGET)
    (learner,), counter = helpers.launch_test_mt(self, program)
    for _ in range(replay_learner.COUNT_PERIOD):
      learner.step()  # Waits for min_replay_size transitions from actors.
    counts = helpers.wait_for_counts(
        counter, {'learner_steps': replay_learner.COUNT_PERIOD,
                  'actor_steps': 1})
    self.assertEqual(counts['learner_steps'], replay_learner.COUNT_PERIOD)
    self.assertGreaterEqual(counts['actor_steps'], SMALL['min_replay_size'])
    policy, critic = learner.get_variables(['policy', 'critic'])
    self.assertNotEmpty(policy)
    self.assertNotEmpty(critic)


if __name__ == '__main__':
  absltest.main()
