"""Opponents to measure an agent against: a random player, perfect play
for tic-tac-toe (every reachable position solved by minimax) and pure
Monte-Carlo tree search with random rollouts (UCT) for any game.

A player is `choose(state, rng) -> action` for the player to move.
"""

import functools
import math
from typing import Callable, Dict, Tuple

import numpy as np

from agents.alphazero import games

Player = Callable[[np.ndarray, np.random.Generator], int]


def random_player(game: games.Game) -> Player:
  def choose(state: np.ndarray, rng: np.random.Generator) -> int:
    return int(rng.choice(np.flatnonzero(game.legal_actions(state))))
  return choose


@functools.lru_cache(maxsize=1)
def solve_tic_tac_toe() -> Dict[bytes, Tuple[float, np.ndarray]]:
  """Every position reachable from the empty board, terminal ones too:
  state bytes -> (minimax value for the player to move, bool mask of the
  optimal moves; all False where the game is over)."""
  game = games.make_game('tic_tac_toe')
  table: Dict[bytes, Tuple[float, np.ndarray]] = {}

  def value(state: np.ndarray) -> float:
    key = state.tobytes()
    if key in table:
      return table[key][0]
    terminal = game.terminal_value(state)
    optimal = np.zeros(game.num_actions, bool)
    if terminal is not None:
      table[key] = (terminal, optimal)
      return terminal
    legal = np.flatnonzero(game.legal_actions(state))
    # The opponent's value after each move, negated.
    values = np.array([-value(game.next_state(state, a)) for a in legal])
    best = values.max()
    optimal[legal[values == best]] = True
    table[key] = (float(best), optimal)
    return float(best)

  value(game.initial_state())
  return table


def perfect_player(game: games.Game) -> Player:
  """Tic-tac-toe only: a uniformly random one of the minimax-optimal
  moves."""
  if game.name != 'tic_tac_toe':
    raise ValueError(f'No perfect player for {game.name}.')
  table = solve_tic_tac_toe()

  def choose(state: np.ndarray, rng: np.random.Generator) -> int:
    return int(rng.choice(np.flatnonzero(table[state.tobytes()][1])))
  return choose


def rollout(game: games.Game, state: np.ndarray,
            rng: np.random.Generator) -> float:
  """The outcome of uniformly random play from `state`, for its player to
  move."""
  sign = 1.0
  while True:
    terminal = game.terminal_value(state)
    if terminal is not None:
      return sign * terminal
    state = game.next_state(
        state, int(rng.choice(np.flatnonzero(game.legal_actions(state)))))
    sign = -sign


class _UCTNode:
  __slots__ = ('visits', 'value_sum', 'children', 'untried', 'terminal')

  def __init__(self, game: games.Game, state: np.ndarray):
    self.visits = 0
    self.value_sum = 0.0  # For the player who moved into this node.
    self.children: Dict[int, Tuple['_UCTNode', np.ndarray]] = {}
    self.terminal = game.terminal_value(state)
    self.untried = ([] if self.terminal is not None else
                    list(np.flatnonzero(game.legal_actions(state))))


def mcts_player(game: games.Game, simulations: int,
                exploration: float = math.sqrt(2)) -> Player:
  """Pure MCTS: UCT selection, one child expanded per simulation, a random
  rollout, the result backed up with the sign flipped between players;
  plays the most visited move."""

  def choose(state: np.ndarray, rng: np.random.Generator) -> int:
    root = _UCTNode(game, state)
    for _ in range(simulations):
      node, node_state, path = root, state, [root]
      while not node.untried and node.children:
        log_n = math.log(node.visits)
        action, (node, node_state) = max(
            node.children.items(),
            key=lambda item: (item[1][0].value_sum / item[1][0].visits +
                              exploration * math.sqrt(
                                  log_n / item[1][0].visits)))
        path.append(node)
      if node.untried:
        action = node.untried.pop(int(rng.integers(len(node.untried))))
        child_state = game.next_state(node_state, action)
        child = _UCTNode(game, child_state)
        node.children[action] = (child, child_state)
        node, node_state = child, child_state
        path.append(node)
      # For the player to move at the leaf; its mover gets the negation.
      value = (node.terminal if node.terminal is not None else
               rollout(game, node_state, rng))
      for visited in reversed(path):
        value = -value
        visited.visits += 1
        visited.value_sum += value
    return max(root.children.items(), key=lambda item: item[1][0].visits)[0]
  return choose


def make_player(game: games.Game, name: str) -> Player:
  """'random', 'perfect' (tic-tac-toe) or 'mcts_<simulations>'."""
  if name == 'random':
    return random_player(game)
  if name == 'perfect':
    return perfect_player(game)
  if name.startswith('mcts_') and name[5:].isdigit() and int(name[5:]) >= 1:
    return mcts_player(game, int(name[5:]))
  raise ValueError(f'Unknown opponent {name!r}: random, perfect, mcts_<N>.')
