"""The grid world against its definition written cell by cell, the backup
against a per-state loop of the Bellman equation, and the block-wise
reducer against exact solutions: every policy tried (small MDPs), a sparse
linear solve (policy evaluation), Howard's policy iteration (400 states)
and tight single-process value iteration (10^4 states)."""

import itertools

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import scipy.sparse

from agents.value_iteration import config as config_lib
from agents.value_iteration import model

GAMMA = 0.95
MOVES = {model.UP: (-1, 0), model.RIGHT: (0, 1), model.DOWN: (1, 0),
         model.LEFT: (0, -1)}


def _config(grid_size, **kwargs):
  return config_lib.ValueIterationConfig(grid_size=grid_size,
                                         discount=GAMMA, **kwargs)


def _slow_grid(n, slip, goal_reward, step_reward=-1.0):
  """Dense P[a, s, s'] and R[a, s], one cell, action and direction at a
  time."""
  size, goal = n * n, n * n - 1
  p, r = np.zeros((4, size, size)), np.zeros((4, size))
  for s in range(size):
    row, column = divmod(s, n)
    for a in range(4):
      if s == goal:
        p[a, s, s] = 1.0  # Absorbing, pays nothing.
        continue
      r[a, s] += step_reward
      for d, (d_row, d_column) in MOVES.items():
        probability = slip / 4 + (1 - slip if d == a else 0.0)
        new_row, new_column = row + d_row, column + d_column
        if not (0 <= new_row < n and 0 <= new_column < n):
          new_row, new_column = row, column  # The wall: stay.
        s_next = new_row * n + new_column
        p[a, s, s_next] += probability
        if s_next == goal:
          r[a, s] += probability * goal_reward
  return p, r


def _dense(block):
  """A Block's matrices as dense [A, B, S]."""
  size = block.column_stop
  out = np.zeros((len(block.transitions), block.stop - block.start, size))
  for a, p in enumerate(block.transitions):
    out[a, :, block.column_start:block.column_stop] = p.toarray()
  return out


def _random_mdp(num_states, num_actions, seed):
  """A whole-model Block of a random MDP: 3 successors per (s, a)."""
  rng = np.random.default_rng(seed)
  transitions = []
  for _ in range(num_actions):
    p = np.zeros((num_states, num_states))
    for s in range(num_states):
      successors = rng.choice(num_states, 3, replace=False)
      p[s, successors] = rng.dirichlet(np.ones(3))
    transitions.append(scipy.sparse.csr_matrix(p))
  rewards = rng.normal(size=(num_actions, num_states))
  return model.Block(0, num_states, 0, num_states, transitions, rewards)


def _row_blocks_of(whole, num_blocks):
  """Row blocks of a whole-model Block, keeping every column."""
  return [model.Block(start, stop, 0, whole.column_stop,
                      [p[start:stop] for p in whole.transitions],
                      whole.rewards[:, start:stop])
          for start, stop in model.row_blocks(whole.stop, num_blocks)]


def _every_policy_values(whole, discount):
  """V* = the elementwise max of V_pi over all deterministic policies,
  each from a dense linear solve."""
  num_actions, size = whole.rewards.shape
  p = np.stack([t.toarray() for t in whole.transitions])  # [A, S, S]
  policies = np.array(list(itertools.product(range(num_actions),
                                             repeat=size)))  # [Pi, S]
  best = np.full(size, -np.inf)
  for chunk in np.array_split(policies, max(1, len(policies) // 16384)):
    p_pi = p[chunk, np.arange(size)]  # [C, S, S]
    r_pi = whole.rewards[chunk, np.arange(size)]  # [C, S]
    v = np.linalg.solve(np.eye(size) - discount * p_pi, r_pi[..., None])
    best = np.maximum(best, v[..., 0].max(axis=0))
  return best


class GridWorldTest(parameterized.TestCase):

  @parameterized.named_parameters(('slippery', 5, 0.2, 1.0, -1.0),
                                  ('deterministic', 4, 0.0, 2.0, -0.5),
                                  ('all_slip', 3, 1.0, 1.0, 0.0))
  def test_matches_the_definition(self, n, slip, goal_reward, step_reward):
    config = _config(n, slip_probability=slip, goal_reward=goal_reward,
                     step_reward=step_reward)
    whole = model.build(config)
    p, r = _slow_grid(n, slip, goal_reward, step_reward)
    np.testing.assert_allclose(_dense(whole), p, atol=1e-15)
    np.testing.assert_allclose(whole.rewards, r, atol=1e-15)
    np.testing.assert_allclose(p.sum(axis=2), 1.0)
    self.assertEqual((whole.column_start, whole.column_stop), (0, n * n))

  def test_blocks_are_rows_of_the_whole_model(self):
    config = _config(7)
    whole = _dense(model.build(config))
    for start, stop in model.row_blocks(49, 5):
      block = model.build_block(config, start, stop)
      # Only neighbours within a grid row are reachable.
      self.assertEqual(block.column_start, max(0, start - 7))
      self.assertEqual(block.column_stop, min(49, stop + 7))
      np.testing.assert_array_equal(_dense(block),
                                    whole[:, start:stop, :block.column_stop])
      self.assertEqual(block.rewards.shape, (4, stop - start))
    with self.assertRaisesRegex(ValueError, r'Rows \[3, 60\)'):
      model.build_block(config, 3, 60)

  def test_row_blocks(self):
    for rows, k in ((10, 1), (10, 3), (10_000, 7), (7, 7)):
      blocks = model.row_blocks(rows, k)
      self.assertLen(blocks, k)
      self.assertEqual((blocks[0][0], blocks[-1][1]), (0, rows))
      self.assertTrue(all(a[1] == b[0] for a, b in zip(blocks, blocks[1:])))
      sizes = [stop - start for start, stop in blocks]
      self.assertLessEqual(max(sizes) - min(sizes), 1)
    with self.assertRaisesRegex(ValueError, '8 row blocks must be between 1 and 7'):
      model.row_blocks(7, 8)


class BackupTest(parameterized.TestCase):

  @parameterized.named_parameters(('max', False), ('policy', True))
  def test_matches_the_bellman_loop(self, with_policy):
    config = _config(6)
    p, r = _slow_grid(6, 0.2, 1.0)
    rng = np.random.default_rng(0)
    values = rng.normal(size=36)
    policy = rng.integers(0, 4, 36)
    block = model.build_block(config, 10, 23)
    new, greedy = model.backup_block(
        block.transitions, block.rewards,
        values[block.column_start:block.column_stop], GAMMA,
        policy[10:23] if with_policy else None)
    self.assertEqual(new.shape, (13,))
    self.assertEqual(greedy.dtype, np.uint8)
    for i, s in enumerate(range(10, 23)):
      q = [r[a, s] + GAMMA * sum(p[a, s, t] * values[t] for t in range(36))
           for a in range(4)]
      self.assertEqual(greedy[i], int(np.argmax(q)))
      expected = q[policy[s]] if with_policy else max(q)
      self.assertAlmostEqual(new[i], expected, places=12)


class SolveTest(parameterized.TestCase):

  @parameterized.named_parameters(('grid_3x3', None), ('random_mdp', 6))
  def test_blocks_match_every_policy_tried(self, random_states):
    # 4^9 = 262,144 grid policies; 3^6 = 729 random-MDP ones.
    if random_states:
      whole = _random_mdp(random_states, 3, seed=0)
    else:
      whole = model.build(_config(3))
    best = _every_policy_values(whole, GAMMA)
    for mode in ('value_iteration', 'policy_iteration'):
      for k in (1, 2, 3):
        solution = model.value_iteration(_row_blocks_of(whole, k),
                                         _config(3, mode=mode))
        self.assertTrue(solution.converged)
        np.testing.assert_allclose(solution.values, best, atol=1e-6,
                                   err_msg=f'{mode}, K={k}')
    exact = model.solve_exact(whole, GAMMA)
    np.testing.assert_allclose(exact.values, best, atol=1e-10)

  @parameterized.named_parameters(('k1', 1), ('k2', 2), ('k3', 3), ('k7', 7))
  def test_blocks_equal_one_block_and_the_exact_solution(self, k):
    # 20 x 20 = 400 states; Howard's policy iteration with exact
    # evaluations is the reference.
    exact = model.solve_exact(model.build(_config(20)), GAMMA)
    self.assertTrue(exact.converged)
    sweeps = {}
    for mode in ('value_iteration', 'policy_iteration'):
      config = _config(20, mode=mode)
      one = model.value_iteration([model.build(config)], config)
      blocks = [model.build_block(config, start, stop)
                for start, stop in model.row_blocks(400, k)]
      split = model.value_iteration(blocks, config)
      # Row by row the same sums in the same order: bit for bit.
      np.testing.assert_array_equal(split.values, one.values)
      np.testing.assert_array_equal(split.policy, one.policy)
      self.assertEqual(split.iterations, one.iterations)
      np.testing.assert_allclose(split.values, exact.values, atol=1e-6)
      sweeps[mode] = (split.iterations, split.improvements)
    print(f'K={k}: sweeps (improvements) {sweeps}; Howard '
          f'{exact.iterations} policies')

  def test_policy_evaluation_equals_the_linear_solve(self):
    config = _config(100, mode='policy_evaluation')  # 10^4 states.
    whole = model.build(config)
    blocks = [model.build_block(config, start, stop)
              for start, stop in model.row_blocks(10_000, 4)]
    rng = np.random.default_rng(0)
    for policy in (rng.integers(0, 4, 10_000),
                   np.where(np.arange(10_000) // 100 < 99, model.DOWN,
                            model.RIGHT)):
      exact = model.evaluate_policy_exact(whole, GAMMA, policy)
      solution = model.value_iteration(blocks, config, policy)
      self.assertTrue(solution.converged)
      np.testing.assert_allclose(solution.values, exact, atol=1e-6)
    with self.assertRaisesRegex(ValueError, 'needs the policy'):
      model.value_iteration(blocks, config)

  def test_exact_evaluation_solves_the_bellman_equation(self):
    p, r = _slow_grid(4, 0.2, 1.0)
    policy = np.random.default_rng(1).integers(0, 4, 16)
    v = model.evaluate_policy_exact(model.build(_config(4)), GAMMA, policy)
    p_pi, r_pi = p[policy, np.arange(16)], r[policy, np.arange(16)]
    for s in range(16):  # V(s) = R_pi(s) + gamma sum_s' P_pi(s, s') V(s').
      self.assertAlmostEqual(
          v[s], r_pi[s] + GAMMA * sum(p_pi[s, t] * v[t] for t in range(16)),
          places=12)

  def test_large_grid_matches_single_process_value_iteration(self):
    config = _config(100)  # 10^4 states.
    blocks = [model.build_block(config, start, stop)
              for start, stop in model.row_blocks(10_000, 4)]
    solution = model.value_iteration(blocks, config)
    reference = model.solve_exact(model.build(config), GAMMA,
                                  method='value_iteration', tolerance=1e-10)
    self.assertTrue(solution.converged and reference.converged)
    np.testing.assert_allclose(solution.values, reference.values, atol=1e-6)
    # The greedy policy is optimal to within the classic 2 gamma eps /
    # (1 - gamma) of a greedy policy of values eps-close to V*.
    v_greedy = model.evaluate_policy_exact(model.build(config), GAMMA,
                                           solution.policy)
    bound = 2 * GAMMA * (config.tolerance / GAMMA) / (1 - GAMMA)
    self.assertLess(np.max(reference.values - v_greedy), bound)
    # Far from the goal values are smaller: V is not flat.
    self.assertGreater(solution.values[9_998], solution.values[0])

  def test_unconverged_and_bad_blocks(self):
    config = _config(10, max_iterations=3)
    blocks = [model.build_block(config, start, stop)
              for start, stop in model.row_blocks(100, 2)]
    solution = model.value_iteration(blocks, config)
    self.assertEqual((solution.converged, solution.iterations), (False, 3))
    with self.assertRaisesRegex(ValueError, 'contiguous'):
      model.value_iteration(blocks[::-1], config)
    with self.assertRaisesRegex(ValueError, 'takes no policy'):
      model.value_iteration(blocks, config, np.zeros(100, np.int64))
    with self.assertRaisesRegex(ValueError, "method='howard'"):
      model.solve_exact(model.build(config), GAMMA, method='howard')


if __name__ == '__main__':
  absltest.main()
