"""The games' rules on known positions."""

from absl.testing import absltest
import numpy as np

from agents.alphazero import games


def play(game, actions):
  state = game.initial_state()
  for action in actions:
    state = game.next_state(state, action)
  return state


def assert_symmetries_keep_lines_and_results(test, game):
  """Every symmetry maps the set of lines onto itself, legal moves onto
  legal moves, and keeps the result of random positions."""
  lines = {frozenset(line) for line in game.lines.tolist()}
  for cells in game.cell_symmetries:
    # A copy's cell i holds the original's cells[i]: line L of the copy is
    # the original's cells[L].
    test.assertEqual({frozenset(cells[list(line)].tolist())
                      for line in lines}, lines)
  rng = np.random.default_rng(0)
  for _ in range(200):
    state = game.initial_state()
    for _ in range(int(rng.integers(0, game.cells))):
      if game.terminal_value(state) is not None:
        break
      state = game.next_state(
          state, int(rng.choice(np.flatnonzero(game.legal_actions(state)))))
    legal = game.legal_actions(state).astype(np.float32)
    for copy_state, copy_legal in game.symmetries(state, legal):
      test.assertEqual(game.terminal_value(copy_state),
                       game.terminal_value(state))
      np.testing.assert_array_equal(game.legal_actions(copy_state),
                                    copy_legal > 0)


def assert_step_is_next_state_and_result(test, game):
  """`step` (the lines through the new stone) agrees with `next_state`
  and `terminal_value` (every line) along random games, and legal moves
  of a batch of states are those of each state."""
  rng = np.random.default_rng(1)
  results, seen = set(), []
  for _ in range(100):
    state = game.initial_state()
    while True:
      seen.append(state)
      action = int(rng.choice(np.flatnonzero(game.legal_actions(state))))
      stepped, result = game.step(state, action)
      np.testing.assert_array_equal(stepped, game.next_state(state, action))
      test.assertEqual(result, game.terminal_value(stepped))
      state = stepped
      if result is not None:
        results.add(result)
        break
  test.assertIn(-1.0, results)  # Wins were among them.
  np.testing.assert_array_equal(
      game.legal_actions(np.stack(seen)),
      np.stack([game.legal_actions(s) for s in seen]))
  blocked = next(s for s in seen if not game.legal_actions(s).all())
  with test.assertRaisesRegex(ValueError, 'is not legal'):
    game.step(blocked, int(np.flatnonzero(~game.legal_actions(blocked))[0]))


class TicTacToeTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.game = games.make_game('tic_tac_toe')

  def test_moves_hand_over_a_negated_board(self):
    state = play(self.game, [4])
    self.assertEqual(state.tolist(), [0, 0, 0, 0, -1, 0, 0, 0, 0])
    self.assertEqual(self.game.legal_actions(state).sum(), 8)
    with self.assertRaisesRegex(ValueError, 'action 4 is not legal'):
      self.game.next_state(state, 4)

  def test_lines_win_for_the_last_mover(self):
    for line in ([0, 1, 2], [0, 3, 6], [0, 4, 8], [2, 4, 6]):
      others = [c for c in range(9) if c not in line][:2]
      # X plays the line, O two other cells in between.
      state = play(self.game, [line[0], others[0], line[1], others[1],
                               line[2]])
      self.assertEqual(self.game.terminal_value(state), -1.0, line)
    self.assertIsNone(self.game.terminal_value(play(self.game, [0, 1, 2])))

  def test_a_full_board_without_line_is_a_draw(self):
    # X O X / X O O / O X X
    state = play(self.game, [0, 1, 2, 4, 3, 5, 7, 6, 8])
    self.assertEqual(self.game.terminal_value(state), 0.0)

  def test_symmetries_map_the_game_onto_itself(self):
    state = play(self.game, [0, 4, 1])
    policy = np.arange(9, dtype=np.float32)
    copies = self.game.symmetries(state, policy)
    self.assertLen(copies, 8)
    np.testing.assert_array_equal(copies[0][0], state)
    for copy_state, copy_policy in copies:
      # Where the policy puts a cell's number, that cell's stone goes along.
      for cell in range(9):
        self.assertEqual(copy_state[cell], state[int(copy_policy[cell])])
    assert_symmetries_keep_lines_and_results(self, self.game)

  def test_step_checks_the_lines_through_the_new_stone(self):
    assert_step_is_next_state_and_result(self, self.game)

  def test_render_names_x_and_o(self):
    self.assertEqual(self.game.render(play(self.game, [0, 4])),
                     'X . .\n. O .\n. . .')


class ConnectFourTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.game = games.make_game('connect_four')

  def test_stones_drop_to_the_lowest_empty_cell(self):
    state = play(self.game, [3, 3])
    board = state.reshape(6, 7)
    # X (the first mover) is at the bottom: to move now, so +1.
    self.assertEqual(board[5, 3], 1)
    self.assertEqual(board[4, 3], -1)
    self.assertEqual(np.count_nonzero(board), 2)

  def test_a_full_column_is_not_legal(self):
    state = play(self.game, [0] * 6)
    self.assertFalse(self.game.legal_actions(state)[0])
    self.assertEqual(self.game.legal_actions(state).sum(), 6)

  def test_four_in_a_row_in_every_direction(self):
    cases = {
        'horizontal': [0, 0, 1, 1, 2, 2, 3],
        'vertical': [0, 1, 0, 1, 0, 1, 0],
        'diagonal': [0, 1, 1, 2, 2, 3, 2, 3, 3, 6, 3],
        'anti-diagonal': [6, 5, 5, 4, 4, 3, 4, 3, 3, 0, 3],
    }
    for name, moves in cases.items():
      self.assertIsNone(self.game.terminal_value(play(self.game, moves[:-1])),
                        name)
      self.assertEqual(self.game.terminal_value(play(self.game, moves)),
                       -1.0, name)
    self.assertLen(self.game.lines, 69)

  def test_mirror_symmetry_maps_the_game_onto_itself(self):
    assert_symmetries_keep_lines_and_results(self, self.game)

  def test_step_checks_the_lines_through_the_new_stone(self):
    assert_step_is_next_state_and_result(self, self.game)

  def test_mirror_symmetry(self):
    state = play(self.game, [0, 1])
    (same, _), (mirrored, policy) = self.game.symmetries(
        state, np.arange(7, dtype=np.float32))
    np.testing.assert_array_equal(same, state)
    self.assertEqual(mirrored.reshape(6, 7)[5, 6], state.reshape(6, 7)[5, 0])
    np.testing.assert_array_equal(policy, np.arange(7)[::-1])

  def test_unknown_game(self):
    with self.assertRaisesRegex(ValueError, 'games: tic_tac_toe, '
                                'connect_four'):
      games.make_game('go')


if __name__ == '__main__':
  absltest.main()
