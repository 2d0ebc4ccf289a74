"""The chain walk against its definition (Lagoudakis & Parr 2003, 9.1),
written out state by state: model, optimal policy, sampler, features."""

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np

from agents.common import chain_walk

S = chain_walk.NUM_STATES


def _slow_model(num_states, success):
  """P[a, s, s'] and R(s), one state and action at a time (1-based in the
  paper, 0-based here)."""
  p = np.zeros((2, num_states, num_states))
  for s in range(num_states):
    for a, direction in ((chain_walk.LEFT, -1), (chain_walk.RIGHT, +1)):
      intended = min(max(s + direction, 0), num_states - 1)  # Ends stay.
      opposite = min(max(s - direction, 0), num_states - 1)
      p[a, s, intended] += success
      p[a, s, opposite] += 1 - success
  r = np.array([1.0 if s in (0, num_states - 1) else 0.0
                for s in range(num_states)])
  return p, r


class ModelTest(parameterized.TestCase):

  @parameterized.named_parameters(('paper', 20, 0.9), ('short', 4, 0.7),
                                  ('one_state', 1, 0.9))
  def test_matches_the_definition(self, num_states, success):
    p, r = _slow_model(num_states, success)
    np.testing.assert_allclose(
        chain_walk.transition_matrices(num_states, success), p, atol=1e-15)
    np.testing.assert_array_equal(chain_walk.rewards(num_states), r)
    np.testing.assert_allclose(p.sum(axis=2), 1.0)

  def test_optimal_policy_is_left_then_right(self):
    self.assertEqual(chain_walk.OPTIMAL_POLICY_20,
                     (0,) * 10 + (1,) * 10)  # L x 10, then R x 10.
    policy = chain_walk.optimal_policy()
    np.testing.assert_array_equal(policy, chain_walk.OPTIMAL_POLICY_20)
    # Q* satisfies the Bellman optimality equation, checked state by state.
    q, v = chain_walk.optimal_values()
    p, r = _slow_model(S, 0.9)
    for s in range(S):
      for a in range(2):
        backup = r[s] + 0.9 * sum(p[a, s, t] * v[t] for t in range(S))
        self.assertAlmostEqual(q[a, s], backup, places=10)
      self.assertAlmostEqual(v[s], max(q[:, s]), places=10)
    # Strictly better everywhere (no tie decides the answer).
    self.assertGreater(np.min(np.abs(q[0] - q[1])), 1e-3)

  def test_left_moves_left_in_the_model(self):
    # The model's action order: with a reward at the left end only, LEFT
    # (action 0) is best everywhere.
    p = chain_walk.transition_matrices()
    r = np.zeros(S)
    r[0] = 1.0
    v = np.zeros(S)
    for _ in range(500):
      v = (r + 0.9 * p @ v).max(axis=0)
    np.testing.assert_array_equal(np.argmax(r + 0.9 * p @ v, axis=0),
                                  np.zeros(S))


class SamplerTest(absltest.TestCase):

  def test_seeded_and_shaped(self):
    first = chain_walk.sample_transitions(1000, seed=3)
    again = chain_walk.sample_transitions(1000, seed=3)
    other = chain_walk.sample_transitions(1000, seed=4)
    for key in ('states', 'actions', 'rewards', 'next_states'):
      self.assertEqual(first[key].shape, (1000,))
      np.testing.assert_array_equal(first[key], again[key])
    self.assertFalse(np.array_equal(first['states'], other['states']))

  def test_slices_make_up_the_whole_set(self):
    # 10,000 samples cross the sampler's 4,096-sample blocks.
    whole = chain_walk.sample_transitions(10_000, seed=1)
    bounds = [0, 1, 4095, 4097, 9000, 10_000]
    parts = [chain_walk.sample_transitions(stop - start, seed=1,
                                           first_sample=start)
             for start, stop in zip(bounds, bounds[1:])]
    for key, values in whole.items():
      np.testing.assert_array_equal(
          np.concatenate([part[key] for part in parts]), values)
    self.assertLen(chain_walk.sample_transitions(0, seed=1)['states'], 0)

  def test_follows_the_model(self):
    t = chain_walk.sample_transitions(40_000, seed=0)
    np.testing.assert_array_equal(t['rewards'],
                                  chain_walk.rewards()[t['states']])
    # Uniform over states and actions.
    counts = np.bincount(t['states'], minlength=S)
    self.assertLess(np.max(np.abs(counts / 2_000 - 1)), 0.12)
    self.assertAlmostEqual(t['actions'].mean(), 0.5, delta=0.01)
    # Away from the ends the intended move happens 90% of the time.
    inner = (t['states'] > 0) & (t['states'] < S - 1)
    intended = np.where(t['actions'] == chain_walk.RIGHT, 1, -1)
    moved = t['next_states'] - t['states']
    self.assertTrue(np.all(np.abs(moved[inner]) == 1))
    self.assertAlmostEqual(np.mean(moved[inner] == intended[inner]), 0.9,
                           delta=0.01)
    # Moving off an end stays put: LEFT in state 0 stays there 90% of the
    # time and steps right otherwise.
    pushing = (t['states'] == 0) & (t['actions'] == chain_walk.LEFT)
    self.assertAlmostEqual(np.mean(t['next_states'][pushing] == 0), 0.9,
                           delta=0.05)
    self.assertTrue(np.all(np.isin(t['next_states'][pushing], (0, 1))))
    pushing = (t['states'] == S - 1) & (t['actions'] == chain_walk.RIGHT)
    self.assertAlmostEqual(np.mean(t['next_states'][pushing] == S - 1), 0.9,
                           delta=0.05)


class FeaturesTest(absltest.TestCase):

  def test_polynomial_block_of_the_action(self):
    states = np.arange(S)
    per_action = chain_walk.features_per_action(states)
    self.assertEqual(per_action.shape, (S, 2, 10))
    for s in states:
      x = 2 * s / (S - 1) - 1  # [-1, 1]
      powers = [1, x, x ** 2, x ** 3, x ** 4]
      np.testing.assert_allclose(per_action[s, 0], powers + [0] * 5)
      np.testing.assert_allclose(per_action[s, 1], [0] * 5 + powers)
    actions = states % 2
    np.testing.assert_array_equal(chain_walk.features(states, actions),
                                  per_action[states, actions])
    self.assertLessEqual(np.abs(per_action).max(), 1.0)


class EnvironmentTest(absltest.TestCase):

  def test_steps_follow_the_model_and_episodes_truncate(self):
    env = chain_walk.ChainWalkEnvironment(seed=0)
    moves = {chain_walk.LEFT: [], chain_walk.RIGHT: []}
    rng = np.random.default_rng(1)
    for _ in range(20):  # 20 episodes of TIME_LIMIT steps.
      timestep = env.reset()
      self.assertTrue(timestep.first())
      state = int(np.argmax(timestep.observation))
      for step in range(1, chain_walk.TIME_LIMIT + 1):
        action = int(rng.integers(2))
        timestep = env.step(action)
        # R(s) of the state the action is taken from.
        self.assertEqual(timestep.reward, 1.0 if state in (0, S - 1) else 0.0)
        self.assertEqual(timestep.observation.sum(), 1.0)
        self.assertEqual(timestep.observation.dtype, np.float32)
        new_state = int(np.argmax(timestep.observation))
        self.assertLessEqual(abs(new_state - state), 1)
        if 0 < state < S - 1:
          moves[action].append(new_state - state)
        self.assertEqual(timestep.last(), step == chain_walk.TIME_LIMIT)
        state = new_state
      self.assertEqual(timestep.discount, 1.0)  # Truncation, not an end.
    # The intended move in 90% of the steps (4 standard deviations).
    right = np.mean(np.array(moves[chain_walk.RIGHT]) == 1)
    left = np.mean(np.array(moves[chain_walk.LEFT]) == -1)
    for rate, n in ((right, len(moves[1])), (left, len(moves[0]))):
      self.assertAlmostEqual(rate, 0.9, delta=4 * np.sqrt(0.09 / n))


if __name__ == '__main__':
  absltest.main()
