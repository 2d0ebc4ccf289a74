"""Two-player, zero-sum, perfect-information board games in NumPy.

A state is the board from the view of the player to move: int8 cells, +1
their stones, -1 the opponent's, 0 empty (flat, row-major). A move puts a
+1 stone and hands the board over negated, so the player who just moved is
-1 in the next state: the game is over when -1 owns a line (the player to
move has lost) or the board is full (a draw). Every function is pure.

  game.initial_state()            empty board
  game.legal_actions(state)       bool [num_actions] ([B, num_actions] for
                                  states [B, cells])
  game.next_state(state, action)  the opponent's view after the move
  game.step(state, action)        next_state and its terminal_value (search)
  game.terminal_value(state)      -1.0 (to move has lost), 0.0 (draw), or
                                  None (on)
  game.observation(state)         float32 [2 * cells]: own stones, then the
                                  opponent's
  game.symmetries(state, policy)  [(state, policy)] equivalent positions
  game.render(state, x_to_move)   the board as text (X moved first)
"""

import functools
from typing import List, Optional, Tuple

import numpy as np


class Game:
  """The common part; subclasses give the board's size, lines and moves."""

  name = ''
  rows = 0
  columns = 0
  num_actions = 0
  lines = np.zeros((0, 0), np.int64)  # [L, k] cell indices of every line.
  # [S, cells] permutations of the cells that map the game onto itself.
  cell_symmetries = np.zeros((0, 0), np.int64)
  # [S, num_actions] the same symmetries acting on actions.
  action_symmetries = np.zeros((0, 0), np.int64)

  @property
  def cells(self) -> int:
    return self.rows * self.columns

  @property
  def board(self) -> Tuple[int, int]:
    """(rows, columns)."""
    return self.rows, self.columns

  @property
  def observation_shape(self) -> Tuple[int]:
    return (2 * self.cells,)

  def initial_state(self) -> np.ndarray:
    return np.zeros(self.cells, np.int8)

  def legal_actions(self, state: np.ndarray) -> np.ndarray:
    raise NotImplementedError

  def cell_of(self, state: np.ndarray, action: int) -> int:
    """The cell a legal `action` puts the stone on."""
    raise NotImplementedError

  def _place(self, state: np.ndarray, action: int) -> Tuple[np.ndarray, int]:
    """A copy of `state` with the mover's stone of `action`, and its cell."""
    if not self.legal_actions(state)[action]:
      raise ValueError(f'{self.name}: action {action} is not legal in\n'
                       f'{self.render(state)}')
    board = state.copy()
    cell = self.cell_of(state, action)
    board[cell] = 1
    return board, cell

  def next_state(self, state: np.ndarray, action: int) -> np.ndarray:
    return -self._place(state, action)[0]

  def step(self, state: np.ndarray, action: int
           ) -> Tuple[np.ndarray, Optional[float]]:
    """(next_state, its terminal_value) of a position not yet over, for
    less: only the lines through the new stone can have been completed."""
    board, cell = self._place(state, action)
    value = None
    if (board[self._lines_through[cell]] == 1).all(axis=1).any():
      value = -1.0  # The opponent, to move next, has lost.
    elif board.all():
      value = 0.0
    return -board, value

  @functools.cached_property
  def _lines_through(self) -> List[np.ndarray]:
    """[cell] -> the rows of `lines` through that cell."""
    return [self.lines[np.any(self.lines == cell, axis=1)]
            for cell in range(self.cells)]

  def terminal_value(self, state: np.ndarray) -> Optional[float]:
    if np.any(np.all(state[self.lines] == -1, axis=1)):
      return -1.0
    if np.all(state != 0):
      return 0.0
    return None

  def observation(self, state: np.ndarray) -> np.ndarray:
    return np.concatenate([state == 1, state == -1]).astype(np.float32)

  def observations(self, states: np.ndarray) -> np.ndarray:
    """`observation` of a batch of states [B, cells]."""
    return np.concatenate([states == 1, states == -1], axis=1).astype(
        np.float32)

  def symmetries(self, state: np.ndarray, policy: np.ndarray
                 ) -> List[Tuple[np.ndarray, np.ndarray]]:
    """Positions equivalent to (`state`, `policy`), the identity first."""
    return [(state[cells], policy[actions]) for cells, actions in
            zip(self.cell_symmetries, self.action_symmetries)]

  def render(self, state: np.ndarray, x_to_move: Optional[bool] = None
             ) -> str:
    """The board as text; X is the player who moved first (from the stone
    count if `x_to_move` is None)."""
    if x_to_move is None:
      x_to_move = int(np.sum(state != 0)) % 2 == 0
    mine, theirs = ('X', 'O') if x_to_move else ('O', 'X')
    symbols = {1: mine, -1: theirs, 0: '.'}
    board = state.reshape(self.rows, self.columns)
    return '\n'.join(' '.join(symbols[int(v)] for v in row) for row in board)


def _rotations_and_mirrors(rows: int, columns: int) -> np.ndarray:
  """The 8 symmetries of a square board as cell permutations."""
  grid = np.arange(rows * columns).reshape(rows, columns)
  out = []
  for k in range(4):
    rotated = np.rot90(grid, k)
    out.extend([rotated.ravel(), np.fliplr(rotated).ravel()])
  return np.array(out)


def _lines(rows: int, columns: int, length: int) -> np.ndarray:
  """Every horizontal, vertical and diagonal run of `length` cells."""
  grid = np.arange(rows * columns).reshape(rows, columns)
  out = []
  for r in range(rows):
    for c in range(columns):
      for dr, dc in ((0, 1), (1, 0), (1, 1), (1, -1)):
        end_r, end_c = r + dr * (length - 1), c + dc * (length - 1)
        if 0 <= end_r < rows and 0 <= end_c < columns:
          out.append([grid[r + dr * i, c + dc * i] for i in range(length)])
  return np.array(out)


class TicTacToe(Game):
  """3x3, three in a row; action = cell (0..8, row-major)."""

  name = 'tic_tac_toe'
  rows = columns = 3
  num_actions = 9
  lines = _lines(3, 3, 3)
  cell_symmetries = _rotations_and_mirrors(3, 3)
  action_symmetries = cell_symmetries

  def legal_actions(self, state: np.ndarray) -> np.ndarray:
    return state == 0

  def cell_of(self, state: np.ndarray, action: int) -> int:
    return action


class ConnectFour(Game):
  """6 rows x 7 columns, four in a row; action = column, the stone drops
  to the lowest empty cell (row 0 is the top)."""

  name = 'connect_four'
  rows, columns = 6, 7
  num_actions = 7
  lines = _lines(6, 7, 4)
  # Identity and the left-right mirror.
  cell_symmetries = np.array([
      np.arange(42), np.fliplr(np.arange(42).reshape(6, 7)).ravel()])
  action_symmetries = np.array([np.arange(7), np.arange(7)[::-1]])

  def legal_actions(self, state: np.ndarray) -> np.ndarray:
    return state[..., :self.columns] == 0

  def cell_of(self, state: np.ndarray, action: int) -> int:
    column = state[action::self.columns]
    row = int(np.flatnonzero(column == 0)[-1])
    return row * self.columns + action


GAMES = {game.name: game for game in (TicTacToe, ConnectFour)}


@functools.lru_cache(maxsize=None)
def make_game(name: str) -> Game:
  """The game called `name` (one of GAMES)."""
  if name not in GAMES:
    raise ValueError(f'Unknown game {name!r}; games: {", ".join(GAMES)}.')
  return GAMES[name]()
