"""Environment names -> dm_env with float32 observations, seeded."""

import pickle

from absl.testing import absltest
from absl.testing import parameterized
import dm_env
from dm_env import specs
import numpy as np

from agents.common import environments


class EnvironmentsTest(parameterized.TestCase):

  @parameterized.parameters('catch', 'cartpole', 'cartpole_no_velocity',
                            'minatar/breakout',
                            'minatar/space_invaders', 'cartpole/swingup',
                            'pendulum', 'reach_push')
  def test_float32_observations(self, name):
    env = environments.make_environment(name, seed=3)
    timestep = env.reset()
    self.assertEqual(timestep.step_type, dm_env.StepType.FIRST)
    self.assertEqual(timestep.observation.dtype, np.float32)
    self.assertEqual(timestep.observation.shape, env.observation_spec().shape)
    spec = env.action_spec()
    action = (0 if hasattr(spec, 'num_values')
              else np.zeros(spec.shape, spec.dtype))
    timestep = env.step(action)
    self.assertEqual(timestep.observation.dtype, np.float32)
    self.assertIsNotNone(timestep.reward)

  @parameterized.parameters('catch', 'cartpole', 'minatar/asterix')
  def test_same_seed_same_episode(self, name):
    def rollout(seed):
      env = environments.make_environment(name, seed=seed)
      rng = np.random.default_rng(0)
      num_actions = env.action_spec().num_values
      observations = [env.reset().observation]
      for _ in range(30):
        observations.append(env.step(rng.integers(num_actions)).observation)
      return np.stack(observations)
    np.testing.assert_array_equal(rollout(1), rollout(1))
    self.assertFalse(np.array_equal(rollout(1), rollout(2)))

  @parameterized.parameters('pendulum', 'reach_push', 'cartpole/swingup')
  def test_same_seed_same_continuous_episode(self, name):
    def rollout(seed):
      env = environments.make_environment(name, seed=seed)
      spec = env.action_spec()
      rng = np.random.default_rng(0)
      observations = [env.reset().observation]
      for _ in range(30):
        action = rng.uniform(spec.minimum, spec.maximum,
                             spec.shape).astype(np.float32)
        observations.append(env.step(action).observation)
      return np.stack(observations)
    np.testing.assert_array_equal(rollout(1), rollout(1))
    self.assertFalse(np.array_equal(rollout(1), rollout(2)))

  def test_unknown_name_lists_known(self):
    with self.assertRaisesRegex(ValueError, 'Unknown environment .pong.*'
                                'catch, cartpole, cartpole_no_velocity, '
                                'cartpole_1ms, pendulum, reach_push, '
                                'chain_walk, '
                                'grid_world, tic_tac_toe, connect_four, '
                                'minatar/breakout'):
      environments.make_environment('pong')
    with self.assertRaisesRegex(ValueError, 'MinAtar games are'):
      environments.validate_name('minatar/pong')

  def test_cartpole_ends_with_discount_zero_on_termination(self):
    env = environments.make_environment('cartpole', seed=0)
    env.reset()
    timestep = env.step(0)
    while not timestep.last():
      timestep = env.step(0)  # Always left: the pole falls quickly.
    self.assertEqual(timestep.discount, 0.0)
    self.assertEqual(env.step(0).step_type, dm_env.StepType.FIRST)

  @parameterized.named_parameters(
      ('pendulum', 'pendulum', (3,), (1,), -2.0, 2.0),
      ('reach_push', 'reach_push', (12,), (2,), -1.0, 1.0),
      ('cartpole_balance', 'cartpole/balance', (5,), (1,), -1.0, 1.0),
      ('cartpole_swingup', 'cartpole/swingup', (5,), (1,), -1.0, 1.0),
      ('reacher_easy', 'reacher/easy', (6,), (2,), -1.0, 1.0))
  def test_continuous_specs(self, name, observation_shape, action_shape,
                            minimum, maximum):
    env = environments.make_environment(name, seed=0)
    spec = env.action_spec()
    self.assertIsInstance(spec, specs.BoundedArray)
    self.assertEqual(spec.dtype, np.float32)
    self.assertEqual(spec.shape, action_shape)
    np.testing.assert_array_equal(spec.minimum, np.full(action_shape, minimum))
    np.testing.assert_array_equal(spec.maximum, np.full(action_shape, maximum))
    # Flattened float32 observations, stepped with a float32 action.
    self.assertEqual(env.observation_spec().shape, observation_shape)
    self.assertEqual(env.reset().observation.shape, observation_shape)
    timestep = env.step(np.full(action_shape, maximum, np.float32))
    self.assertEqual(timestep.observation.dtype, np.float32)
    self.assertEqual(timestep.observation.shape, observation_shape)
    self.assertEqual(timestep.step_type, dm_env.StepType.MID)

    expected = {'observation_shape': observation_shape, 'num_actions': None,
                'action_shape': action_shape,
                'action_minimum': [minimum] * action_shape[0],
                'action_maximum': [maximum] * action_shape[0]}
    got = environments.environment_spec(name)
    self.assertEqual(got, expected)
    self._assert_plain(got)
    self.assertEqual(environments.check_continuous(name, 'dpg'), got)

  @parameterized.parameters('catch', 'cartpole', 'minatar/breakout')
  def test_discrete_spec_has_no_action_bounds(self, name):
    spec = environments.environment_spec(name)
    self.assertIsInstance(spec['num_actions'], int)
    self.assertEqual(spec['action_shape'], ())
    self.assertIsNone(spec['action_minimum'])
    self.assertIsNone(spec['action_maximum'])
    self._assert_plain(spec)
    self.assertEqual(environments.check_discrete(name, 'dqn'), spec)

  def _assert_plain(self, value):
    """Only tuples, lists, ints, floats, strings and None, at any depth."""
    self.assertEqual(pickle.loads(pickle.dumps(value)), value)
    if isinstance(value, dict):
      for item in value.values():
        self._assert_plain(item)
    elif isinstance(value, (tuple, list)):
      for item in value:
        self._assert_plain(item)
    else:
      self.assertIn(type(value), (int, float, str, type(None)))

  def test_action_kind_checks_name_program_and_environment(self):
    with self.assertRaisesRegex(
        ValueError, "dqn takes discrete actions; environment 'pendulum' has "
        'continuous ones'):
      environments.check_discrete('pendulum', 'dqn')
    with self.assertRaisesRegex(
        ValueError, "apex_dpg takes continuous actions; environment 'catch' "
        r'has discrete ones \(3 actions\)'):
      environments.check_continuous('catch', 'apex_dpg')

  def test_pendulum_truncates_at_200_steps_and_never_terminates(self):
    env = environments.make_environment('pendulum', seed=0)
    env.reset()
    rng = np.random.default_rng(0)
    for step in range(1, 201):
      # Beyond the bounds too: gymnasium clips the torque.
      timestep = env.step(rng.uniform(-3.0, 3.0, 1).astype(np.float32))
      self.assertEqual(timestep.last(), step == 200)
      self.assertEqual(timestep.discount, 1.0)  # Truncation at the end.
      self.assertLessEqual(timestep.reward, 0.0)
      self.assertEqual(timestep.reward.dtype, np.float32)
    self.assertEqual(env.step(np.zeros(1, np.float32)).step_type,
                     dm_env.StepType.FIRST)

  def test_options_only_for_tasks_that_take_them(self):
    for name in ('catch', 'pendulum', 'cartpole/swingup'):
      environments.make_environment(name, 0, options=None)
      environments.make_environment(name, 0, options={})
      with self.assertRaisesRegex(
          ValueError, f"Environment '{name}' takes no options; got "
          r"\{'shaped_reward': True\}"):
        environments.make_environment(name, 0, {'shaped_reward': True})
    env = environments.make_environment(
        'reach_push', 0, {'shaped_reward': True,
                          'instructive_start_probability': 0.5})
    self.assertEqual(env.reset().observation.shape, (12,))
    with self.assertRaisesRegex(ValueError, 'shaped_rewards'):
      environments.make_environment('reach_push', 0, {'shaped_rewards': True})
    with self.assertRaisesRegex(ValueError, 'instructive_start_probability'):
      environments.validate_options('reach_push',
                                    {'instructive_start_probability': -0.1})

  def test_actor_seeds_differ(self):
    seeds = {environments.actor_seed(0, i) for i in range(100)}
    self.assertLen(seeds, 100)
    self.assertEqual(environments.actor_seed(5, 1),
                     environments.actor_seed(5, 1))


if __name__ == '__main__':
  absltest.main()
