"""Games between players, for evaluation: an agent (search guided by a
network, no noise, most visited move) against the reference opponents."""

from typing import Any, Callable, Dict, Optional, Sequence

import numpy as np

from agents.alphazero import config as config_lib
from agents.alphazero import games
from agents.alphazero import mcts
from agents.alphazero import network as network_lib
from agents.alphazero import references


def agent_player(game: games.Game, weights: Sequence[np.ndarray],
                 config: config_lib.AlphaZeroConfig,
                 simulations: Optional[int] = None) -> references.Player:
  """Greedy search with the network of `weights`: `simulations` (default
  `config.eval_simulations`) a move, with the config's c_puct and
  unvisited_q."""
  simulations = simulations or config.eval_simulations
  evaluate = mcts.network_evaluate(game, network_lib.NumpyNetwork(weights,
                                                                game.board))

  def choose(state: np.ndarray, rng: np.random.Generator) -> int:
    visits = mcts.search(game, state, evaluate, simulations, config.c_puct,
                         rng, unvisited=config.unvisited_q)
    return int(np.argmax(visits))
  return choose


def play(game: games.Game, first: references.Player,
         second: references.Player, rng: np.random.Generator,
         should_stop: Callable[[], bool] = lambda: False
         ) -> Optional[float]:
  """One game; the result for `first` (1 win, 0 draw, -1 loss), or None if
  `should_stop()` turned true before a move (checked before every move)."""
  state, players, mover = game.initial_state(), (first, second), 0
  while True:
    terminal = game.terminal_value(state)
    if terminal is not None:  # For the player to move.
      return terminal if mover == 0 else -terminal
    if should_stop():
      return None
    state = game.next_state(state, players[mover](state, rng))
    mover = 1 - mover


def match(game: games.Game, agent: references.Player,
          opponent: references.Player, num_games: int,
          rng: np.random.Generator,
          should_stop: Callable[[], bool] = lambda: False
          ) -> Optional[Dict[str, float]]:
  """`num_games` games, the agent first in half of them (the extra one,
  if odd, first); win, draw and loss rates of the agent and its score.
  None if `should_stop()` turned true first."""
  results = []
  for i in range(num_games):
    if i % 2 == 0:
      result = play(game, agent, opponent, rng, should_stop)
    else:
      result = play(game, opponent, agent, rng, should_stop)
      result = None if result is None else -result
    if result is None:
      return None
    results.append(result)
  results = np.array(results)
  return {'win': float(np.mean(results > 0)),
          'draw': float(np.mean(results == 0)),
          'loss': float(np.mean(results < 0)),
          'score': float(results.mean())}


def optimal_move_rate(weights: Sequence[np.ndarray]) -> float:
  """Tic-tac-toe: the share of the 4,520 non-terminal positions where the
  raw network's most likely legal move is minimax-optimal."""
  game = games.make_game('tic_tac_toe')
  table = references.solve_tic_tac_toe()
  keys = [key for key, (_, optimal) in table.items() if optimal.any()]
  states = np.stack([np.frombuffer(key, np.int8) for key in keys])
  logits, _ = network_lib.NumpyNetwork(weights, game.board)(
      game.observations(states))
  legal = states == 0
  choice = np.argmax(np.where(legal, logits, -np.inf), axis=1)
  optimal = np.stack([table[key][1] for key in keys])
  return float(optimal[np.arange(len(keys)), choice].mean())


def evaluate(game_name: str, config: Any, weights: Sequence[np.ndarray],
             rng: np.random.Generator,
             should_stop: Callable[[], bool] = lambda: False
             ) -> Optional[Dict[str, float]]:
  """The evaluator's round: `config.eval_games` games against each of
  `config.opponents` with search (`config.eval_simulations`); per opponent
  its win, draw and loss rates; `episode_return`, the score against the
  first; for tic-tac-toe the raw network's optimal-move rate. None if
  `should_stop()` turned true first (a round against slow opponents takes
  minutes)."""
  game = games.make_game(game_name)
  agent = agent_player(game, weights, config)
  figures = {}
  for i, name in enumerate(config.opponents):
    result = match(game, agent, references.make_player(game, name),
                   config.eval_games, rng, should_stop)
    if result is None:
      return None
    figures.update({f'{name}_{k}': result[k] for k in ('win', 'draw',
                                                       'loss')})
    if i == 0:
      figures['episode_return'] = result['score']
  if game_name == 'tic_tac_toe':
    figures['optimal_move_rate'] = optimal_move_rate(weights)
  return figures
