"""LSTD-Q's map and reduce steps against a per-sample loop written from
Lagoudakis & Parr (2003, figure 5: A <- A + phi (phi - gamma phi')^T,
b <- b + phi r), shards summing to the whole in any order, and LSPI finding
the chain walk's optimal policy."""

import itertools

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np

from agents.common import chain_walk
from agents.lspi import config as config_lib
from agents.lspi import lstdq

CONFIG = config_lib.LSPIConfig(num_samples=5_000, seed=0)
PROBE = chain_walk.features_per_action(np.arange(chain_walk.NUM_STATES))


def _slow_statistics(states, actions, rewards, next_states, weights,
                     discounts):
  """A and b sample by sample, with pi(s') = argmax_a phi(s', a)^T w."""
  a = np.zeros((10, 10))
  b = np.zeros(10)
  for s, action, r, s_next, gamma in zip(states, actions, rewards,
                                         next_states, discounts):
    phi = chain_walk.features([s], [action])[0]
    q_next = [float(chain_walk.features([s_next], [c])[0] @ weights)
              for c in range(2)]
    best = 0 if q_next[0] >= q_next[1] else 1  # Ties to LEFT.
    phi_next = chain_walk.features([s_next], [best])[0]
    for i in range(10):
      b[i] += phi[i] * r
      for j in range(10):
        a[i, j] += phi[i] * (phi[j] - gamma * phi_next[j])
  return a, b


def _shards(transitions, num_shards):
  return [lstdq.make_shard(
      {key: values[start:stop] for key, values in transitions.items()},
      chain_walk.features_per_action)
          for start, stop in lstdq.shard_ranges(len(transitions['states']),
                                                num_shards)]


class StatisticsTest(parameterized.TestCase):

  @parameterized.named_parameters(
      ('one_sample', 1, False), ('five_samples', 5, False),
      ('two_hundred', 200, False), ('absorbing_mid_batch', 7, True))
  def test_match_the_per_sample_loop(self, num_samples, absorbing):
    t = chain_walk.sample_transitions(num_samples, seed=num_samples)
    weights = np.random.default_rng(num_samples).normal(size=10)
    discounts = np.full(num_samples, 0.9)
    if absorbing:
      discounts[num_samples // 2] = 0.0  # No bootstrap past an episode end.
    expected_a, expected_b = _slow_statistics(
        t['states'], t['actions'], t['rewards'], t['next_states'], weights,
        discounts)
    shard = lstdq.make_shard(t, chain_walk.features_per_action)
    a, b = lstdq.shard_statistics(
        shard, weights, discounts if absorbing else 0.9)
    self.assertEqual(a.shape, (10, 10))
    self.assertEqual(b.shape, (10,))
    np.testing.assert_allclose(a, expected_a, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(b, expected_b, rtol=1e-12, atol=1e-12)

  def test_greedy_actions_break_ties_to_the_lowest(self):
    features = np.zeros((3, 2, 2))
    features[:, 0, 0] = features[:, 1, 1] = 1.0  # Q(s, a) = w[a].
    np.testing.assert_array_equal(
        lstdq.greedy_actions(np.array([1.0, 1.0]), features), [0, 0, 0])
    np.testing.assert_array_equal(
        lstdq.greedy_actions(np.array([1.0, 2.0]), features), [1, 1, 1])

  def test_solve_is_the_ridge_solution(self):
    t = chain_walk.sample_transitions(500, seed=2)
    a, b = lstdq.shard_statistics(
        lstdq.make_shard(t, chain_walk.features_per_action), np.zeros(10),
        0.9)
    w = lstdq.solve(a, b, 1e-3)
    np.testing.assert_allclose((a + 1e-3 * np.eye(10)) @ w, b, atol=1e-9)
    # A singular A (action RIGHT never sampled: its block of A is 0) still
    # gives finite weights, 0 on the unseen block.
    left_only = {key: values[t['actions'] == 0] for key, values in t.items()}
    a, b = lstdq.shard_statistics(
        lstdq.make_shard(left_only, chain_walk.features_per_action),
        np.zeros(10), 0.9)
    self.assertLess(np.linalg.matrix_rank(a), 10)
    w = lstdq.solve(a, b, 1e-6)
    self.assertTrue(np.all(np.isfinite(w)))
    np.testing.assert_allclose(w[5:], 0.0, atol=1e-12)


class ShardsTest(parameterized.TestCase):

  def test_shard_ranges_cover_the_samples(self):
    for num_samples, num_shards in ((10, 1), (10, 3), (7, 7), (5000, 7)):
      ranges = lstdq.shard_ranges(num_samples, num_shards)
      self.assertLen(ranges, num_shards)
      self.assertEqual(ranges[0][0], 0)
      self.assertEqual(ranges[-1][1], num_samples)
      sizes = [stop - start for start, stop in ranges]
      self.assertLessEqual(max(sizes) - min(sizes), 1)
      self.assertTrue(all(a[1] == b[0] for a, b in zip(ranges, ranges[1:])))
    with self.assertRaisesRegex(ValueError, '4 shards must be between 1 and 3'):
      lstdq.shard_ranges(3, 4)
    with self.assertRaisesRegex(ValueError, '0 shards'):
      lstdq.shard_ranges(3, 0)

  @parameterized.named_parameters(('k1', 1), ('k2', 2), ('k3', 3), ('k7', 7))
  def test_shards_sum_to_the_single_shard(self, num_shards):
    t = chain_walk.sample_transitions(CONFIG.num_samples, CONFIG.seed)
    weights = np.random.default_rng(0).normal(size=10)
    whole_a, whole_b = lstdq.shard_statistics(_shards(t, 1)[0], weights,
                                              0.9)
    # Shards as mappers draw them: each its own range of the seeded set.
    drawn = [lstdq.make_shard(
        chain_walk.sample_transitions(stop - start, CONFIG.seed,
                                      first_sample=start),
        chain_walk.features_per_action)
             for start, stop in lstdq.shard_ranges(CONFIG.num_samples,
                                                   num_shards)]
    for shards in (_shards(t, num_shards), drawn):
      partial = [lstdq.shard_statistics(shard, weights, 0.9)
                 for shard in shards]
      a, b = lstdq.sum_statistics(partial)
      np.testing.assert_allclose(a, whole_a, rtol=1e-12, atol=1e-9)
      np.testing.assert_allclose(b, whole_b, rtol=1e-12, atol=1e-9)

  def test_reduction_order_does_not_matter(self):
    t = chain_walk.sample_transitions(CONFIG.num_samples, CONFIG.seed)
    weights = np.random.default_rng(1).normal(size=10)
    partial = [lstdq.shard_statistics(shard, weights, 0.9)
               for shard in _shards(t, 7)]
    reference_a, reference_b = lstdq.sum_statistics(partial)
    reference_w = lstdq.solve(reference_a, reference_b, 1e-6)
    orders = list(itertools.permutations(range(7)))[::97]  # 52 orders.
    orders += [tuple(np.random.default_rng(seed).permutation(7))
               for seed in range(10)]
    for order in orders:
      a, b = lstdq.sum_statistics([partial[k] for k in order])
      np.testing.assert_allclose(a, reference_a, rtol=1e-13, atol=1e-10)
      np.testing.assert_allclose(b, reference_b, rtol=1e-13, atol=1e-10)
      np.testing.assert_allclose(lstdq.solve(a, b, 1e-6), reference_w,
                                 rtol=1e-9, atol=1e-9)
    with self.assertRaisesRegex(ValueError, '>= 1 shard'):
      lstdq.sum_statistics([])


class LSPITest(parameterized.TestCase):

  @parameterized.named_parameters(('k1', 1), ('k3', 3), ('k7', 7))
  def test_finds_the_optimal_chain_walk_policy(self, num_shards):
    t = chain_walk.sample_transitions(CONFIG.num_samples, CONFIG.seed)
    result = lstdq.lspi(_shards(t, num_shards), CONFIG, PROBE)
    print(f'K={num_shards}: {result.iterations} iterations, stop '
          f'{result.stop}; policies: ' + ' '.join(
              ''.join('LR'[a] for a in p) for p in result.policies))
    self.assertEqual(result.stop, lstdq.STOP_POLICY)
    self.assertLessEqual(result.iterations, 8)
    self.assertLen(result.policies, result.iterations + 1)
    np.testing.assert_array_equal(result.policies[-1],
                                  chain_walk.optimal_policy())
    np.testing.assert_array_equal(result.policies[-1],
                                  chain_walk.OPTIMAL_POLICY_20)
    # The first policy (w = 0, ties to LEFT) is not: LSPI did the work.
    self.assertFalse(np.array_equal(result.policies[0],
                                    chain_walk.OPTIMAL_POLICY_20))
    single = lstdq.lspi(_shards(t, 1), CONFIG, PROBE)
    np.testing.assert_allclose(result.weights, single.weights, rtol=1e-9,
                               atol=1e-9)
    self.assertEqual(result.iterations, single.iterations)

  def test_finds_it_for_other_seeds(self):
    for seed in range(1, 6):
      config = config_lib.LSPIConfig(seed=seed)
      t = chain_walk.sample_transitions(config.num_samples, config.seed)
      result = lstdq.lspi(_shards(t, 2), config, PROBE)
      np.testing.assert_array_equal(result.policies[-1],
                                    chain_walk.OPTIMAL_POLICY_20,
                                    err_msg=f'seed {seed}')

  def test_stopping_rules(self):
    t = chain_walk.sample_transitions(CONFIG.num_samples, CONFIG.seed)
    shards = _shards(t, 2)
    result = lstdq.lspi(shards, config_lib.LSPIConfig(max_iterations=1),
                        PROBE)
    self.assertEqual((result.stop, result.iterations),
                     (lstdq.STOP_MAX_ITERATIONS, 1))
    # A probe of no states would call every policy unchanged.
    with self.assertRaisesRegex(ValueError, 'probe_features_per_action'):
      lstdq.lspi(shards, CONFIG, PROBE[:0])
    w = np.ones(3)
    self.assertEqual(lstdq.stop_reason(w, w + 1e-7, np.array([0, 1]),
                                       np.array([1, 1]), 1e-5),
                     lstdq.STOP_WEIGHTS)
    self.assertIsNone(lstdq.stop_reason(w, w + 1.0, np.array([0, 1]),
                                        np.array([1, 1]), 1e-5))
    self.assertEqual(lstdq.stop_reason(w, w + 1.0, np.array([0, 1]),
                                       np.array([0, 1]), 1e-5),
                     lstdq.STOP_POLICY)


if __name__ == '__main__':
  absltest.main()
