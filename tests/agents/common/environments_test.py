"""Environment names -> dm_env with float32 observations, seeded."""

from absl.testing import absltest
from absl.testing import parameterized
import dm_env
import numpy as np

from agents.common import environments


class EnvironmentsTest(parameterized.TestCase):

  @parameterized.parameters('catch', 'cartpole', 'cartpole_no_velocity',
                            'minatar/breakout',
                            'minatar/space_invaders', 'cartpole/swingup')
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

  def test_unknown_name_lists_known(self):
    with self.assertRaisesRegex(ValueError, 'Unknown environment .pong.*'
                                'catch, cartpole, cartpole_no_velocity, '
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

  def test_actor_seeds_differ(self):
    seeds = {environments.actor_seed(0, i) for i in range(100)}
    self.assertLen(seeds, 100)
    self.assertEqual(environments.actor_seed(5, 1),
                     environments.actor_seed(5, 1))


if __name__ == '__main__':
  absltest.main()
