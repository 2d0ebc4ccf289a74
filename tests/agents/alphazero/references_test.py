"""The reference opponents: tic-tac-toe solved, pure MCTS that sees wins."""

from absl.testing import absltest
import numpy as np

from agents.alphazero import config as config_lib
from agents.alphazero import games
from agents.alphazero import matches
from agents.alphazero import network
from agents.alphazero import references
from tests.agents.alphazero.games_test import play


class SolverTest(absltest.TestCase):

  def test_every_reachable_position_is_solved(self):
    table = references.solve_tic_tac_toe()
    self.assertLen(table, 5478)
    self.assertEqual(sum(optimal.any() for _, optimal in table.values()),
                     4520)
    game = games.make_game('tic_tac_toe')
    self.assertEqual(table[game.initial_state().tobytes()][0], 0.0)
    # X in a corner and the centre, O on an edge: X wins whatever O does.
    state = play(game, [0, 1, 4])
    value, optimal = table[state.tobytes()]
    self.assertEqual(value, -1.0)  # For O, to move.
    self.assertEqual(np.flatnonzero(optimal).tolist(), [2, 3, 5, 6, 7, 8])
    # X in opposite corners, O in the centre: only an edge holds the draw
    # (a corner lets X fork).
    value, optimal = table[play(game, [0, 4, 8]).tobytes()]
    self.assertEqual(value, 0.0)
    self.assertEqual(np.flatnonzero(optimal).tolist(), [1, 3, 5, 7])

  def test_perfect_play_draws_itself_and_never_loses(self):
    game = games.make_game('tic_tac_toe')
    rng = np.random.default_rng(0)
    perfect = references.make_player(game, 'perfect')
    result = matches.match(game, perfect, perfect, 40, rng)
    self.assertEqual(result['draw'], 1.0)
    result = matches.match(game, perfect, references.make_player(
        game, 'random'), 100, rng)
    self.assertEqual(result['loss'], 0.0)
    self.assertGreater(result['win'], 0.7)

  def test_no_perfect_player_for_connect_four(self):
    with self.assertRaisesRegex(ValueError, 'No perfect player'):
      references.make_player(games.make_game('connect_four'), 'perfect')
    with self.assertRaisesRegex(ValueError, 'Unknown opponent'):
      references.make_player(games.make_game('connect_four'), 'mcts')


class MatchTest(absltest.TestCase):

  def test_a_match_gives_up_at_the_stop(self):
    game = games.make_game('tic_tac_toe')
    perfect = references.make_player(game, 'perfect')
    calls = []
    def stop_after_20_moves():
      calls.append(1)
      return len(calls) > 20
    self.assertIsNone(matches.match(game, perfect, perfect, 10,
                                    np.random.default_rng(0),
                                    stop_after_20_moves))
    self.assertLen(calls, 21)  # Checked before every move.
    self.assertIsNone(matches.evaluate(
        'tic_tac_toe', config_lib.AlphaZeroConfig(eval_simulations=2),
        network.random_weights(18, 9, (128, 128), 0),
        np.random.default_rng(0), lambda: True))

  def test_config_refuses_an_mcts_opponent_without_simulations(self):
    with self.assertRaisesRegex(ValueError, "opponents: 'mcts_0'"):
      config_lib.AlphaZeroConfig(opponents=('mcts_0',))


class PureMCTSTest(absltest.TestCase):

  def test_takes_a_win_and_blocks_a_loss_in_connect_four(self):
    game = games.make_game('connect_four')
    rng = np.random.default_rng(1)
    player = references.make_player(game, 'mcts_200')
    # X has three in column 0 and is to move: it wins there.
    self.assertEqual(player(play(game, [0, 1, 0, 1, 0, 2]), rng), 0)
    # O to move, X threatens column 0: O blocks.
    self.assertEqual(player(play(game, [0, 1, 0, 2, 0]), rng), 0)

  def test_beats_random_play(self):
    game = games.make_game('tic_tac_toe')
    rng = np.random.default_rng(2)
    result = matches.match(game, references.make_player(game, 'mcts_100'),
                           references.make_player(game, 'random'), 20, rng)
    self.assertEqual(result['loss'], 0.0)


if __name__ == '__main__':
  absltest.main()
