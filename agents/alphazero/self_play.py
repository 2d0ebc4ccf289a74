"""A self-play actor: plays whole games against itself with search and
turns each into replay items (observation, legal mask, search policy,
outcome for the player to move), with their symmetric copies.

No TensorFlow: the network runs in NumPy on weights pulled from the
learner (agents.alphazero.network).
"""

import time
from typing import Any, Callable, Dict, List, Optional, Sequence

import numpy as np

from agents.alphazero import config as config_lib
from agents.alphazero import games
from agents.alphazero import mcts
from agents.alphazero import network as network_lib

REPLAY_TABLE = 'alphazero'
VARIABLE_NAMES = ('network',)


def game_items(game: games.Game, states, policies, result: float,
               augment: bool, search_values: Optional[Sequence[float]] = None,
               search_value_weight: float = 0.0,
               recorded: Optional[Sequence[bool]] = None
               ) -> Dict[str, np.ndarray]:
  """Replay rows of one finished game (none if no position is recorded).

  Args:
    game: the game.
    states: the positions where a move was searched, in order.
    policies: the search policy (visit distribution) at each.
    result: the final position's terminal value, for its player to move.
    augment: add every symmetric copy.
    search_values: the search's root value at each position, for its
      player to move; needed if `search_value_weight` > 0.
    search_value_weight: w of the value target (1 - w) z + w q (row key
      'outcome'): z the game's outcome, q the search value.
    recorded: which positions become rows (None: all); the others were
      fast searches (playout cap randomization).
  """
  rows = {'observation': [], 'legal': [], 'policy': [], 'outcome': []}
  for t, (state, policy) in enumerate(zip(states, policies)):
    if recorded is not None and not recorded[t]:
      continue
    # The player to move at t is the one to move at the end if an even
    # number of moves lie between.
    outcome = result if (len(states) - t) % 2 == 0 else -result
    if search_value_weight:
      outcome = ((1 - search_value_weight) * outcome +
                 search_value_weight * search_values[t])
    copies = (game.symmetries(state, policy) if augment
              else [(state, policy)])
    for copy_state, copy_policy in copies:
      rows['observation'].append(game.observation(copy_state))
      rows['legal'].append(game.legal_actions(copy_state).astype(np.float32))
      rows['policy'].append(copy_policy.astype(np.float32))
      rows['outcome'].append(np.float32(outcome))
  if not rows['policy']:
    return {}
  return {k: np.stack(v) for k, v in rows.items()}


class _Game:
  """A self-play game in flight: its position and what `game_items`
  needs."""

  def __init__(self, state: np.ndarray, started: float):
    self.state = state
    self.started = started
    self.states, self.policies, self.search_values, self.recorded = (
        [], [], [], [])


class SelfPlayActor:
  """Plays games with `config.simulations` per move (or, with
  `config.fast_simulations`, most moves fast and unwritten) and writes
  them; `config.parallel_games` at once, in lockstep, their searches'
  new positions through the network in one batch."""

  def __init__(self, game: games.Game, config: config_lib.AlphaZeroConfig,
               seed: int, variable_source: Optional[Any] = None,
               write: Optional[Callable[[Dict[str, np.ndarray]], Any]] = None):
    """Creates the actor.

    Args:
      game: the game it plays.
      config: search, noise, temperature and augmentation settings.
      seed: its random stream (noise, sampled moves).
      variable_source: has `get_variables(['network'])`; None keeps the
        initial random weights.
      write: takes one game's rows (`game_items`); None writes nowhere.
    """
    self._game = game
    self._config = config
    self._rng = np.random.default_rng(seed)
    self._source = variable_source
    self._write = write
    self._games = 0
    self._in_flight: List[_Game] = []
    self._finished: List[Dict[str, float]] = []
    self.simulations = 0  # Over the actor's life.
    self._set_weights(network_lib.random_weights(
        game.observation_shape[0], game.num_actions, config.hidden_sizes,
        seed, config.conv_channels, game.board))

  def _set_weights(self, weights) -> None:
    self._evaluate = mcts.network_evaluate_batch(
        self._game, network_lib.NumpyNetwork(weights, self._game.board))

  def update(self) -> None:
    """Pulls the newest weights every `variable_update_games` games."""
    if self._source is not None and (
        self._games % self._config.variable_update_games == 0):
      (weights,) = self._source.get_variables(list(VARIABLE_NAMES))
      self._set_weights(weights)

  def play(self) -> Dict[str, float]:
    """Plays on until a game ends (it is written); returns its moves,
    result (for the first player), start (time.time(), weights in hand)
    and seconds. With parallel games, games in flight go on in the next
    call."""
    if not self._finished:
      self.update()
    while not self._finished:
      now = time.time()
      while len(self._in_flight) < self._config.parallel_games:
        self._in_flight.append(_Game(self._game.initial_state(), now))
      self._move()
    self._games += 1
    return self._finished.pop(0)

  def _move(self) -> None:
    """One move in every game in flight; finished ones are written and
    queued for `play`."""
    config, game, rng = self._config, self._game, self._rng
    # Playout cap randomization: a full search (noise, written) or, with
    # fast_simulations set, most often a fast one (neither).
    full = [not config.fast_simulations or
            rng.random() < config.full_search_fraction
            for _ in self._in_flight]
    roots = mcts.search_trees(
        game, [g.state for g in self._in_flight], self._evaluate,
        [config.simulations if f else config.fast_simulations for f in full],
        config.c_puct, rng,
        [(config.dirichlet_alpha, config.dirichlet_epsilon) if f else None
         for f in full], config.unvisited_q)
    playing = []
    for g, root, f in zip(self._in_flight, roots, full):
      visits = root.visits
      self.simulations += int(visits.sum())
      policy = visits / visits.sum()
      if len(g.states) < config.temperature_moves:
        action = int(rng.choice(game.num_actions, p=policy))
      else:
        action = int(np.argmax(visits))
      g.states.append(g.state)
      g.policies.append(policy)
      g.search_values.append(root.root_value())
      g.recorded.append(f)
      g.state, result = game.step(g.state, action)
      if result is None:
        playing.append(g)
        continue
      if self._write is not None and any(g.recorded):
        self._write(game_items(game, g.states, g.policies, result,
                               config.augment, g.search_values,
                               config.search_value_weight, g.recorded))
      first_player_result = result if len(g.states) % 2 == 0 else -result
      self._finished.append({'moves': len(g.states),
                             'result': first_player_result,
                             'started': g.started,
                             'seconds': time.time() - g.started})
    self._in_flight = playing
