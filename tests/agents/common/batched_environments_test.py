"""Batched environments: auto-reset, discounts at ends, episode returns."""

import time
import warnings

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np

from agents.common import batched_environments
from agents.common import environments


class BatchedEnvironmentsTest(parameterized.TestCase):

  @parameterized.parameters('catch', 'cartpole', 'cartpole_no_velocity',
                            'minatar/freeway')
  def test_shapes_and_auto_reset(self, name):
    env = batched_environments.make_batched_environment(name, 4, seed=0)
    observation = env.reset()
    self.assertEqual(observation.shape, (4,) + env.observation_shape)
    self.assertEqual(observation.dtype, np.float32)
    rng = np.random.default_rng(0)
    ends = 0
    for _ in range(60):
      observation, reward, discount, first = env.step(
          rng.integers(env.num_actions, size=4))
      self.assertEqual(observation.shape, (4,) + env.observation_shape)
      # Discount 0 exactly where a new episode starts.
      np.testing.assert_array_equal(discount == 0.0, first)
      ends += first.sum()
    if name != 'minatar/freeway':  # Freeway episodes last 2500 steps.
      self.assertGreater(ends, 0)
    self.assertLen(env.completed_returns(), ends)
    self.assertEmpty(env.completed_returns())  # Drained.
    self.assertEqual(env.action_shape, ())
    self.assertIsNone(env.action_minimum)
    self.assertIsNone(env.action_maximum)

  @parameterized.named_parameters(
      ('pendulum', 'pendulum', (3,), (1,), 2.0, 200),
      ('reach_push', 'reach_push', (12,), (2,), 1.0, 100),
      ('cartpole_balance', 'cartpole/balance', (5,), (1,), 1.0, 1000),
      ('reacher_easy', 'reacher/easy', (6,), (2,), 1.0, 1000))
  def test_continuous_shapes_and_auto_reset(self, name, observation_shape,
                                            action_shape, bound, limit):
    env = batched_environments.make_batched_environment(name, 3, seed=0)
    self.assertIsNone(env.num_actions)
    self.assertEqual(env.observation_shape, observation_shape)
    self.assertEqual(env.action_shape, action_shape)
    for value, expected in ((env.action_minimum, -bound),
                            (env.action_maximum, bound)):
      self.assertEqual(value.dtype, np.float32)
      np.testing.assert_array_equal(value, np.full(action_shape, expected))
    observation = env.reset()
    self.assertEqual(observation.shape, (3,) + observation_shape)
    self.assertEqual(observation.dtype, np.float32)
    rng = np.random.default_rng(0)
    steps = limit if limit <= 200 else 20  # dm_control: 1000-step episodes.
    for step in range(1, steps + 1):
      actions = rng.uniform(env.action_minimum, env.action_maximum,
                            (3,) + action_shape).astype(np.float32)
      observation, reward, discount, first = env.step(actions)
      self.assertEqual(observation.shape, (3,) + observation_shape)
      self.assertEqual(observation.dtype, np.float32)
      self.assertEqual(reward.dtype, np.float32)
      np.testing.assert_array_equal(discount == 0.0, first)
      # Every episode ends at the time limit, by truncation (none of these
      # tasks terminates; reach_push's success does not end an episode).
      self.assertEqual(first.all(), step == limit)
      np.testing.assert_array_equal(env.truncated, first)
    if limit <= 200:  # Every episode has ended by the time limit.
      self.assertGreaterEqual(len(env.completed_returns()), 3)

  def test_catch_returns_are_episode_sums(self):
    env = batched_environments.make_batched_environment('catch', 3, seed=1)
    env.reset()
    totals = np.zeros(3)
    expected = []
    for _ in range(40):
      _, reward, _, first = env.step(np.ones(3, np.int64))
      totals += reward
      for i in np.flatnonzero(first):
        expected.append(totals[i])
        totals[i] = 0
    self.assertEqual(sorted(env.completed_returns()), sorted(expected))
    self.assertTrue(set(expected) <= {-1.0, 1.0})

  def test_vector_cartpole_has_cartpole_v1_dynamics(self):
    """Same start state and actions: same trajectory as gymnasium's CartPole-v1."""
    batched = batched_environments.make_batched_environment('cartpole', 1, 0)
    single = environments.make_environment('cartpole', seed=0)
    single.reset()
    start = batched.reset()[0]
    single._env.unwrapped.state = start.astype(np.float64)  # pylint: disable=protected-access
    for step in range(8):
      action = step % 2
      observation, _, _, _ = batched.step(np.array([action]))
      np.testing.assert_allclose(observation[0],
                                 single.step(action).observation, atol=1e-5)

  def test_cartpole_no_velocity_observes_positions_only(self):
    full = batched_environments.make_batched_environment('cartpole', 3, 5)
    partial = batched_environments.make_batched_environment(
        'cartpole_no_velocity', 3, 5)
    self.assertEqual(partial.observation_shape, (2,))
    np.testing.assert_array_equal(partial.reset(), full.reset()[:, [0, 2]])
    for step in range(30):  # Same seed, same actions: same (x, theta).
      action = np.full(3, step % 2)
      np.testing.assert_array_equal(partial.step(action)[0],
                                    full.step(action)[0][:, [0, 2]])
    single = environments.make_environment('cartpole_no_velocity', 5)
    self.assertEqual(single.observation_spec().shape, (2,))
    self.assertEqual(single.reset().observation.shape, (2,))

  def test_cartpole_1ms_is_cartpole_at_1ms_of_cpu_per_step(self):
    plain = batched_environments.make_batched_environment('cartpole', 4, 5)
    slow = batched_environments.make_batched_environment('cartpole_1ms', 4, 5)
    np.testing.assert_array_equal(slow.reset(), plain.reset())
    started = time.process_time()
    for step in range(10):
      action = np.full(4, step % 2)
      for a, b in zip(slow.step(action), plain.step(action)):
        np.testing.assert_array_equal(a, b)
    # CPU time, not wall time: 10 steps x 4 copies x 1 ms, burnt.
    self.assertGreaterEqual(time.process_time() - started, 0.035)
    single = environments.make_environment('cartpole_1ms', 5)
    single.reset()
    started = time.process_time()
    single.step(0)
    self.assertGreaterEqual(time.process_time() - started, 0.0009)

  def test_cartpole_time_limit_is_500_after_reset(self):
    """A reset restarts the 500-step limit (gymnasium 0.29 forgets to)."""
    env = batched_environments.make_batched_environment('cartpole', 2, 0)

    def balance():  # Push towards the side the pole falls to.
      state = env._env.state.T  # pylint: disable=protected-access
      return (state[:, 2] + 0.5 * state[:, 3] > 0).astype(int)

    env.reset()
    for _ in range(300):  # Advance the step counts, then reset mid-episode.
      env.step(balance())
    env.reset()
    first = np.zeros(2, bool)
    length = 0
    while not first.any():
      before = env._env.state.T.copy()  # pylint: disable=protected-access
      observation, _, discount, first = env.step(balance())
      length += 1
    self.assertEqual(length, 500)  # Truncated by the limit, not earlier.
    # Truncation, not termination: the last observation is kept for
    # bootstrapping, and it continues the episode (one step from `before`),
    # while the returned observation starts the next one.
    np.testing.assert_array_equal(env.truncated, first)
    np.testing.assert_array_equal(discount[first], 0.0)
    final = env.final_observation[first]
    # Positions (x, theta) move by tau * velocity in one step.
    self.assertLess(np.abs(final - before[first])[:, [0, 2]].max(), 0.05)
    self.assertGreater(np.abs(final - observation[first]).max(), 1e-3)
    self.assertLess(np.abs(observation[first]).max(), 0.05)  # Fresh start.
    # The next episode gets the full limit again.
    _, _, _, first = env.step(balance())
    self.assertFalse(env.truncated.any())

  def test_generic_environment_reports_truncation(self):
    env = batched_environments.make_batched_environment('catch', 2, 0)
    env.reset()
    first = np.zeros(2, bool)
    while not first.any():
      _, _, _, first = env.step(np.zeros(2, np.int64))
    # Catch ends by termination (the ball lands), never by a time limit.
    self.assertFalse(env.truncated.any())
    self.assertEqual(env.final_observation.shape, (2, 10, 5))

  def test_dm_control_copies_are_the_single_environments(self):
    batched = batched_environments.make_batched_environment(
        'cartpole/swingup', 2, 4)
    singles = [environments.make_environment(
        'cartpole/swingup', environments.actor_seed(4, i)) for i in range(2)]
    np.testing.assert_array_equal(
        batched.reset(), np.stack([e.reset().observation for e in singles]))
    for step in range(10):
      actions = np.full((2, 1), np.sin(step), np.float32)
      observation, reward, _, _ = batched.step(actions)
      for i, single in enumerate(singles):
        timestep = single.step(actions[i])
        np.testing.assert_array_equal(observation[i], timestep.observation)
        self.assertEqual(reward[i], timestep.reward)

  def test_names_pick_the_numpy_batches(self):
    self.assertIsInstance(
        batched_environments.make_batched_environment('pendulum', 2, 0),
        batched_environments.BatchedPendulum)
    self.assertIsInstance(
        batched_environments.make_batched_environment('reach_push', 2, 0),
        batched_environments.BatchedReachPush)

  def test_options_reach_the_task_and_are_checked(self):
    env = batched_environments.make_batched_environment(
        'reach_push', 2, 0, {'shaped_reward': True})
    self.assertTrue(env.task.options.shaped_reward)
    with self.assertRaisesRegex(ValueError, 'shaped_reward'):
      batched_environments.make_batched_environment(
          'reach_push', 2, 0, {'shaped_reward': 'yes'})
    for name in ('catch', 'cartpole', 'pendulum', 'cartpole/swingup'):
      with self.assertRaisesRegex(ValueError, f"'{name}' takes no options"):
        batched_environments.make_batched_environment(
            name, 2, 0, {'shaped_reward': True})


class BatchedPendulumTest(absltest.TestCase):

  def _gymnasium_pendulums(self, count):
    import gymnasium  # pylint: disable=g-import-not-at-top
    envs = []
    for i in range(count):
      env = gymnasium.make('Pendulum-v1')
      env.reset(seed=i)
      envs.append(env)
    return envs

  def test_matches_gymnasium_step_for_step(self):
    """Same states and actions: gymnasium's Pendulum-v1 observations,
    rewards, speed and torque clipping, and 200-step truncation."""
    env = batched_environments.BatchedPendulum(4, seed=0)
    env.reset()
    # Start near the speed limit too, so that the clip at 8 rad/s acts.
    env.state = np.array([[3.0, 0.5], [-0.2, -1.0], [1.5, 7.9],
                          [-3.1, -7.5]])
    singles = self._gymnasium_pendulums(4)
    for single, state in zip(singles, env.state):
      single.unwrapped.state = state.copy()
    rng = np.random.default_rng(0)
    clipped = 0
    with warnings.catch_warnings():
      # gymnasium's checker warns of actions beyond the bounds: on purpose.
      warnings.simplefilter('ignore')
      for step in range(1, 201):
        actions = rng.uniform(-3.0, 3.0, (4, 1)).astype(np.float32)
        observation, reward, discount, first = env.step(actions)
        for i, single in enumerate(singles):
          expected, expected_reward, terminated, truncated, _ = single.step(
              actions[i])
          self.assertFalse(terminated)
          self.assertEqual(truncated, step == 200)
          self.assertEqual(first[i], truncated)
          np.testing.assert_allclose(env.final_observation[i], expected,
                                     rtol=1e-6, atol=1e-6)
          np.testing.assert_allclose(reward[i], expected_reward, rtol=1e-6)
          if not truncated:
            np.testing.assert_allclose(observation[i], expected, atol=1e-6)
            np.testing.assert_allclose(env.state[i],
                                       single.unwrapped.state, rtol=1e-12)
        clipped += np.sum(np.abs(env.state[:, 1]) == 8.0)
    self.assertGreater(clipped, 0)  # The speed limit was exercised.
    # Truncation: discount 0 in the batch convention, flagged as such, and
    # the next episode starts fresh.
    np.testing.assert_array_equal(discount, 0.0)
    np.testing.assert_array_equal(env.truncated, True)
    self.assertLessEqual(np.abs(env.state[:, 1]).max(), 1.0)
    self.assertLessEqual(np.abs(env.state[:, 0]).max(), np.pi)
    np.testing.assert_allclose(
        observation, np.stack([np.cos(env.state[:, 0]),
                               np.sin(env.state[:, 0]), env.state[:, 1]],
                              axis=1), atol=1e-6)
    self.assertLen(env.completed_returns(), 4)
    _, _, discount, _ = env.step(np.zeros((4, 1), np.float32))
    self.assertFalse(env.truncated.any())
    np.testing.assert_array_equal(discount, 1.0)

  def test_starts_are_pendulum_v1_starts_and_seeded(self):
    env = batched_environments.BatchedPendulum(500, seed=3)
    env.reset()
    starts = env.state.copy()
    # Uniform in [-pi, pi] x [-1, 1], as gymnasium's reset.
    self.assertLessEqual(np.abs(starts[:, 0]).max(), np.pi)
    self.assertLessEqual(np.abs(starts[:, 1]).max(), 1.0)
    self.assertGreater(np.abs(starts[:, 0]).max(), 3.0)
    self.assertAlmostEqual(np.mean(np.abs(starts[:, 0])), np.pi / 2,
                           delta=0.15)
    again = batched_environments.BatchedPendulum(500, seed=3)
    again.reset()
    np.testing.assert_array_equal(again.state, starts)
    other = batched_environments.BatchedPendulum(500, seed=4)
    other.reset()
    self.assertFalse(np.array_equal(other.state, starts))

  def test_returns_are_episode_sums(self):
    env = batched_environments.BatchedPendulum(2, seed=0)
    env.reset()
    totals = np.zeros(2)
    for _ in range(200):
      _, reward, _, _ = env.step(np.ones((2, 1), np.float32))
      totals += reward
    np.testing.assert_allclose(env.completed_returns(), totals, rtol=1e-5)


if __name__ == '__main__':
  absltest.main()
