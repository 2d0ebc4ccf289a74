"""PUCT search on small hand-made trees: the choice, the value signs, the
visit counts, and noise only where asked for."""

from absl.testing import absltest
import numpy as np

from agents.alphazero import games
from agents.alphazero import mcts
from agents.alphazero import network as network_lib
from tests.agents.alphazero.games_test import play

TTT = games.make_game('tic_tac_toe')


def uniform(game):
  """Uniform priors over the legal moves, value 0."""
  def evaluate(state):
    legal = game.legal_actions(state)
    return legal / legal.sum(), 0.0
  return evaluate


class SelectTest(absltest.TestCase):

  def test_puct_picks_by_prior_first_then_by_value(self):
    node = mcts.Node(np.array([0.2, 0.5, 0.3, 0.0]))
    self.assertEqual(node.select(c_puct=1.0), 1)  # Unvisited: the prior.
    # Move 1 was visited and lost; move 2, equal visits, won.
    node.visits[:] = [0, 4, 4, 0]
    node.value_sums[:] = [0, -4, 4, 0]
    # Scores: Q + c P sqrt(9) / (1 + N): 0 + 0.6 = 0.6, -1 + 0.3 = -0.7,
    # 1 + 0.18 = 1.18; move 3 is illegal (prior 0).
    self.assertEqual(node.select(c_puct=1.0), 2)
    node.value_sums[2] = -4
    self.assertEqual(node.select(c_puct=1.0), 0)

  def test_unvisited_moves_score_zero_or_their_positions_mean_value(self):
    # The searcher is winning: its network says +0.5 and ten simulations
    # through move 0 backed up +0.5 each. Move 1 (prior 0.1) is unvisited.
    node = mcts.Node(np.array([0.9, 0.1, 0.0]), value=0.5)
    node.visits[:] = [10, 0, 0]
    node.value_sums[:] = [5, 0, 0]
    # Q + P sqrt(11) / (1 + N): move 0 0.5 + 0.271 = 0.771. Move 1:
    # 'zero' 0 + 0.332 (move 0 wins), 'parent' (0.5 + 5) / 11 + 0.332 =
    # 0.832 (move 1 wins).
    self.assertEqual(node.select(c_puct=1.0, unvisited='zero'), 0)
    self.assertEqual(node.select(c_puct=1.0, unvisited='parent'), 1)
    # Losing the same way (-0.5): 'zero' rates the unvisited move a draw,
    # 0.332 against -0.229; 'parent' -0.5 + 0.332 = -0.168: both try it.
    node.value, node.value_sums[0] = -0.5, -5
    self.assertEqual(node.select(c_puct=1.0, unvisited='zero'), 1)
    self.assertEqual(node.select(c_puct=1.0, unvisited='parent'), 1)
    # Before any visit 'parent' scores every move at the network's value:
    # the priors choose, as with 'zero'.
    fresh = mcts.Node(np.array([0.2, 0.5, 0.3]), value=-0.9)
    self.assertEqual(fresh.select(c_puct=1.0, unvisited='parent'), 1)


class SearchTest(absltest.TestCase):

  def test_visits_sum_to_the_simulations_and_skip_illegal_moves(self):
    state = play(TTT, [4])
    visits = mcts.search(TTT, state, uniform(TTT), 50, 1.5,
                         np.random.default_rng(0))
    self.assertEqual(visits.sum(), 50)
    self.assertEqual(visits[4], 0)

  def test_a_win_in_one_gets_the_visits(self):
    # X (to move) has 0 and 1: 2 wins at once.
    state = play(TTT, [0, 3, 1, 4])
    visits = mcts.search(TTT, state, uniform(TTT), 100, 1.5,
                         np.random.default_rng(0))
    self.assertEqual(int(np.argmax(visits)), 2)

  def test_the_opponents_threat_is_blocked(self):
    # O to move; X threatens 0-1-2: only 2 avoids the loss.
    state = play(TTT, [0, 4, 1])
    visits = mcts.search(TTT, state, uniform(TTT), 200, 1.5,
                         np.random.default_rng(0))
    self.assertEqual(int(np.argmax(visits)), 2)

  def test_values_are_backed_up_with_alternating_signs(self):
    # The network says every position is won for its player to move, and
    # puts nearly all prior on the first legal move, so that both
    # simulations walk the same path: root -a-> child -b-> grandchild.
    def peaked(state):
      legal = TTT.legal_actions(state)
      priors = legal * 1e-6
      priors[np.flatnonzero(legal)[0]] = 1.0
      return priors / priors.sum(), 1.0
    state = play(TTT, [4])
    root = mcts.Node(peaked(state)[0])
    mcts.simulate(TTT, root, state, peaked, 1.5)
    # The child is won for its player to move, the opponent: -1 here.
    self.assertEqual(root.value_sums.tolist(), [-1.0] + [0.0] * 8)
    mcts.simulate(TTT, root, state, peaked, 1.5)
    child = root.children[0]
    # The grandchild is won for the root's player: -1 on the child's edge
    # (its mover is the opponent), +1 on the root's.
    self.assertEqual(child.value_sums[1], -1.0)
    self.assertEqual(child.visits.sum(), 1)
    self.assertEqual(root.visits[0], 2)
    self.assertEqual(root.value_sums[0], -1.0 + 1.0)
    self.assertEqual(root.root_value(), 0.0)

  def test_the_root_value_is_for_its_player_to_move(self):
    # X (to move) wins at once with 2: most simulations end in that win.
    root = mcts.search_tree(TTT, play(TTT, [0, 3, 1, 4]), uniform(TTT), 100,
                            1.5, np.random.default_rng(0))
    self.assertEqual(root.visits.sum(), 100)
    self.assertGreater(root.root_value(), 0.5)
    self.assertAlmostEqual(root.root_value(),
                           root.value_sums.sum() / root.visits.sum())
    # O to move, and X threatens two lines (0-1-2, 0-3-6): O loses.
    lost = mcts.search_tree(TTT, play(TTT, [0, 4, 1, 8, 3]), uniform(TTT),
                            200, 1.5, np.random.default_rng(0))
    self.assertLess(lost.root_value(), -0.5)

  def test_the_root_keeps_the_networks_value_and_unknown_modes_fail(self):
    def valued(state):
      legal = TTT.legal_actions(state)
      return legal / legal.sum(), 0.25
    root = mcts.search_tree(TTT, TTT.initial_state(), valued, 10, 1.5,
                            np.random.default_rng(0), unvisited='parent')
    self.assertEqual(root.value, 0.25)
    self.assertEqual(root.children[int(np.argmax(root.visits))].value, 0.25)
    with self.assertRaisesRegex(ValueError, "unvisited='one'"):
      mcts.search(TTT, TTT.initial_state(), valued, 10, 1.5,
                  np.random.default_rng(0), unvisited='one')

  def test_trees_searched_together_are_those_searched_alone(self):
    # A seeded random network: priors and values differ by position, so a
    # mix-up of leaves between trees would change the visits.
    network = network_lib.NumpyNetwork(network_lib.random_weights(
        18, 9, (16,), 0))
    evaluate = mcts.network_evaluate(TTT, network)
    batched = mcts.network_evaluate_batch(TTT, network)
    batches = []

    def counted(states):
      batches.append(len(states))
      return batched(states)
    states = [TTT.initial_state(), play(TTT, [4]), play(TTT, [0, 3, 1, 4]),
              play(TTT, [0, 4, 1])]
    budgets = [30, 7, 30, 12]
    for unvisited in mcts.UNVISITED:
      batches.clear()
      roots = mcts.search_trees(TTT, states, counted, budgets, 1.5,
                                np.random.default_rng(0),
                                [None] * len(states), unvisited)
      for root, state, budget in zip(roots, states, budgets):
        alone = mcts.search_tree(TTT, state, evaluate, budget, 1.5,
                                 np.random.default_rng(0),
                                 unvisited=unvisited)
        self.assertEqual(root.visits.sum(), budget)
        np.testing.assert_array_equal(root.visits, alone.visits)
        np.testing.assert_allclose(root.value_sums, alone.value_sums,
                                   atol=1e-6)
      # The roots, then a batch per round: at most one leaf per tree.
      self.assertEqual(batches[0], len(states))
      self.assertLen(batches, 1 + max(budgets))
      self.assertLessEqual(max(batches), len(states))
      self.assertGreater(max(batches[1:]), 1)

  def test_noise_only_for_the_trees_that_ask(self):
    state = TTT.initial_state()
    roots = mcts.search_trees(TTT, [state, state], mcts.network_evaluate_batch(
        TTT, network_lib.NumpyNetwork(network_lib.random_weights(
            18, 9, (16,), 0))), [5, 5], 1.5, np.random.default_rng(0),
                              [(0.3, 0.25), None])
    noisy, clean = roots
    self.assertFalse(np.allclose(noisy.priors, clean.priors))
    self.assertAlmostEqual(noisy.priors.sum(), 1.0)

  def test_noise_only_when_asked(self):
    state = TTT.initial_state()
    a = mcts.search(TTT, state, uniform(TTT), 30, 1.5,
                    np.random.default_rng(0))
    b = mcts.search(TTT, state, uniform(TTT), 30, 1.5,
                    np.random.default_rng(99))
    np.testing.assert_array_equal(a, b)  # No randomness without noise.
    noisy = mcts.add_noise(np.array([0.5, 0.5, 0.0]), 0.3, 0.25,
                           np.random.default_rng(0))
    self.assertEqual(noisy[2], 0.0)
    self.assertAlmostEqual(noisy.sum(), 1.0)
    self.assertNotAlmostEqual(noisy[0], 0.5)


if __name__ == '__main__':
  absltest.main()
