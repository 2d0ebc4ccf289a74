"""The PPO and APPO programs: their graphs, input checks, and test_mt runs
in which synchronous actors wait for the learner."""

import dataclasses
import threading
import time

from absl.testing import absltest
from absl.testing import parameterized

from agents.ppo import config as config_lib
from programs import ppo
from programs.nodes import budget as budget_lib
from tests import helpers

SMALL = dict(envs_per_actor=4, unroll_length=5, num_minibatches=2,
             batch_size=4, queue_size=16, eval_episodes=2,
             eval_period_seconds=0.5)
CONFIGS = (config_lib.PPOConfig(**SMALL), config_lib.APPOConfig(**SMALL))


class GraphTest(parameterized.TestCase):

  @parameterized.product(config=CONFIGS, num_actors=(1, 3))
  def test_groups_follow_the_config(self, config, num_actors):
    program = ppo.make_program(config, 'catch', num_actors=num_actors,
                               budget=budget_lib.Budget(max_seconds=10))
    self.assertEqual(program.name, 'ppo' if config.synchronous else 'appo')
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'replay': 1, 'learner': 1, 'variable_server': 1,
         'actor': num_actors, 'evaluator': 1})

  def test_appo_takes_central_inference(self):
    config = config_lib.APPOConfig(inference='central', **SMALL)
    program = ppo.make_program(config, 'catch', num_actors=2,
                               budget=budget_lib.Budget(max_seconds=10))
    self.assertEqual(
        {g: len(n) for g, n in program.groups.items()},
        {'counter': 1, 'replay': 1, 'learner': 1, 'variable_server': 1,
         'action_server': 1, 'actor': 2, 'evaluator': 1})

  def test_learner_replicas_add_an_all_reduce(self):
    config = dataclasses.replace(CONFIGS[1], learner_replicas=2)
    budget = budget_lib.Budget(max_seconds=10)
    program = ppo.make_program(config, 'catch', num_actors=2, budget=budget)
    groups = {g: len(n) for g, n in program.groups.items()}
    self.assertEqual((groups['learner'], groups['all_reduce']), (2, 1))
    with self.assertRaisesRegex(ValueError, r'do not split into '
                                r'num_minibatches=2 for each of '
                                'learner_replicas=4'):
      ppo.make_program(dataclasses.replace(config, learner_replicas=4),
                       'catch', num_actors=1, budget=budget)
    with self.assertRaisesRegex(ValueError, 'asynchronous sampling only'):
      ppo.make_program(dataclasses.replace(CONFIGS[0], learner_replicas=2),
                       'catch', num_actors=2, budget=budget)

  def test_bad_input_raises(self):
    budget = budget_lib.Budget(max_seconds=10)
    with self.assertRaisesRegex(ValueError, 'num_actors=0 must be >= 1'):
      ppo.make_program(CONFIGS[0], 'catch', num_actors=0, budget=budget)
    with self.assertRaisesRegex(ValueError, 'continuous ones'):
      ppo.make_program(CONFIGS[0], 'cartpole/swingup', num_actors=1,
                       budget=budget)
    odd = config_lib.PPOConfig(envs_per_actor=3, num_minibatches=2)
    with self.assertRaisesRegex(ValueError, r'ppo: 3 unrolls per iteration '
                                r'\(1 actors x envs_per_actor=3\) do not '
                                'split into num_minibatches=2'):
      ppo.make_program(odd, 'catch', num_actors=1, budget=budget)
    with self.assertRaisesRegex(ValueError, 'samples asynchronously only'):
      ppo.make_program(config_lib.PPOConfig(inference='central'), 'catch',
                       num_actors=2, budget=budget)
    with self.assertRaisesRegex(ValueError, 'queue_size=8 must exceed'):
      config_lib.APPOConfig(batch_size=8, queue_size=8)


class SmokeTest(parameterized.TestCase):

  @parameterized.parameters(*CONFIGS)
  def test_test_mt_learner_steps_and_counts(self, config):
    program = ppo.make_program(config, 'catch', num_actors=2,
                               budget=budget_lib.Budget(max_seconds=600))
    (learner,), counter = helpers.launch_test_mt(self, program)
    for _ in range(3):
      learner.step()
    updates = config.num_epochs * config.num_minibatches
    counts = helpers.wait_for_counts(counter, {'learner_steps': 3 * updates,
                                               'actor_steps': 1})
    self.assertEqual(counts['learner_steps'], 3 * updates)
    [iteration] = learner.get_variables(['iteration'])
    self.assertEqual(int(iteration[0]), 3)
    if config.synchronous:
      # Waiting actors step one unroll per learner iteration: after 3
      # iterations, at most the 4th round (2 actors x 4 envs x 5 steps).
      time.sleep(2.0)
      steps = counter.get_counts().get('actor_steps', 0)
      self.assertLessEqual(steps, 4 * 2 * 4 * 5)

  def test_test_mt_replicas_stay_identical(self):
    """APPO with 2 learner replicas stepped together: every minibatch
    averaged, the replicas' weights stay the same bytes."""
    config = dataclasses.replace(CONFIGS[1], learner_replicas=2)
    program = ppo.make_program(config, 'catch', num_actors=2,
                               budget=budget_lib.Budget(max_seconds=600))
    learners, counter = helpers.launch_test_mt(self, program)
    for _ in range(2):
      threads = [threading.Thread(target=l.step, daemon=True)
                 for l in learners]
      for thread in threads:
        thread.start()
      for thread in threads:
        thread.join(helpers.TEST_CALL_TIMEOUT_SECONDS)
    updates = config.num_epochs * config.num_minibatches
    counts = helpers.wait_for_counts(counter, {'learner_steps': 2 * updates})
    self.assertEqual(counts['learner_steps'], 2 * updates)  # Replica 0's.
    first, second = (l.get_variables(['policy'])[0] for l in learners)
    for a, b in zip(first, second):
      self.assertEqual(a.tobytes(), b.tobytes())


if __name__ == '__main__':
  absltest.main()
