"""The batched n-step accumulator against a per-episode NumPy loop."""

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np

from agents.dqn import transitions


def reference_transitions(observations, actions, rewards, discounts, ends,
                          n, gamma):
  """Every transition of one environment by the definition, as sorted tuples.

  observations [T + 1], ends[t]: the episode ended at step t (observation
  t + 1 starts the next one). A transition from step s runs to
  e = min(s + n, end of its episode + 1).
  """
  out = []
  num_steps = len(actions)
  for s in range(num_steps):
    reward, weight, t = 0.0, 1.0, s
    while True:
      reward += weight * rewards[t]
      weight *= gamma * discounts[t]
      if ends[t] or t - s + 1 == n:
        break
      t += 1
      if t == num_steps:
        break
    if t == num_steps:  # Not finished when the data ran out: not emitted.
      continue
    out.append((float(observations[s]), float(observations[t + 1]),
                int(actions[s]), reward, weight))
  return sorted(out)


class NStepAccumulatorTest(parameterized.TestCase):

  @parameterized.parameters(1, 3, 5)
  def test_matches_reference_with_episode_ends(self, n):
    rng = np.random.default_rng(n)
    num_envs, num_steps, gamma = 5, 40, 0.9
    # Scalar "observations" that name the step, so transitions are
    # identifiable: env b at step t observes 1000 b + t.
    observations = (1000.0 * np.arange(num_envs)[None, :] +
                    np.arange(num_steps + 1)[:, None])
    actions = rng.integers(0, 3, (num_steps, num_envs))
    rewards = rng.normal(size=(num_steps, num_envs)).astype(np.float32)
    ends = rng.uniform(size=(num_steps, num_envs)) < 0.15
    # Discount 0 at episode ends, and some mid-episode discounts in (0, 1).
    discounts = np.where(ends, 0.0,
                         np.where(rng.uniform(size=ends.shape) < 0.1, 0.5,
                                  1.0)).astype(np.float32)
    accumulator = transitions.NStepAccumulator(num_envs, (1,), n, gamma)
    emitted = []
    for t in range(num_steps):
      out = accumulator.add(observations[t][:, None], actions[t], rewards[t],
                            discounts[t], observations[t + 1][:, None],
                            ends[t])
      self.assertLessEqual(len(out['action']), num_envs * n)
      emitted.extend(zip(out['observation'][:, 0].tolist(),
                         out['next_observation'][:, 0].tolist(),
                         out['action'].tolist(), out['reward'].tolist(),
                         out['discount'].tolist()))
    expected = []
    for b in range(num_envs):
      expected += reference_transitions(
          observations[:, b], actions[:, b], rewards[:, b], discounts[:, b],
          ends[:, b], n, gamma)
    emitted, expected = sorted(emitted), sorted(expected)
    # The same transitions (observation pairs and actions) ...
    self.assertEqual([e[:3] for e in emitted], [e[:3] for e in expected])
    # ... with the same returns and bootstrap weights.
    np.testing.assert_allclose([e[3:] for e in emitted],
                               [e[3:] for e in expected], rtol=1e-5,
                               atol=1e-6)
    # Every step but the last unfinished n - 1 of each environment.
    self.assertGreater(len(expected), num_envs * (num_steps - n))

  def test_one_step_transition_fields(self):
    accumulator = transitions.NStepAccumulator(2, (2,), 1, 0.99)
    out = accumulator.add(np.ones((2, 2)), np.array([0, 1]),
                          np.array([1.0, 2.0]), np.array([1.0, 0.0]),
                          np.full((2, 2), 2.0), np.array([False, True]))
    np.testing.assert_allclose(out['reward'], [1.0, 2.0])
    np.testing.assert_allclose(out['discount'], [0.99, 0.0])
    self.assertEqual(out['observation'].dtype, np.float32)
    self.assertEqual(out['action'].dtype, np.int32)

  def test_continuous_actions_are_float_vectors_from_the_window_start(self):
    accumulator = transitions.NStepAccumulator(2, (1,), 2, 0.5,
                                               action_shape=(2,))
    self.assertEmpty(accumulator.add(
        np.zeros((2, 1)), np.array([[0.1, 0.2], [0.3, 0.4]]), np.ones(2),
        np.ones(2), np.ones((2, 1)), np.zeros(2, bool))['action'])
    out = accumulator.add(
        np.ones((2, 1)), np.array([[0.5, 0.6], [0.7, 0.8]]), np.ones(2),
        np.ones(2), np.full((2, 1), 2.0), np.zeros(2, bool))
    self.assertEqual(out['action'].dtype, np.float32)
    np.testing.assert_allclose(out['action'], [[0.1, 0.2], [0.3, 0.4]])
    np.testing.assert_allclose(out['reward'], [1.5, 1.5])
    self.assertEqual(
        transitions.signature((1,), (2,))['action'].dtype.name, 'float32')


if __name__ == '__main__':
  absltest.main()
