"""Batched environments: auto-reset, discounts at ends, episode returns."""

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

  def test_continuous_actions_rejected(self):
    with self.assertRaisesRegex(ValueError, 'continuous actions'):
      batched_environments.make_batched_environment('cartpole/swingup', 2, 0)


if __name__ == '__main__':
  absltest.main()
