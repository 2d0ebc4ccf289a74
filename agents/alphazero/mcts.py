"""Monte-Carlo tree search with PUCT, guided by a policy/value function.

  visits = search(game, state, evaluate, simulations, c_puct, rng,
                  noise=(alpha, epsilon) or None, unvisited='zero')
  root = search_tree(...)  # The same; its root Node (visits, root_value).
  roots = search_trees(game, states, evaluate_batch, simulations, ...)
                         # Several trees at once, their leaves batched.

Each simulation walks down by PUCT, a = argmax_a Q(s, a) + c_puct P(s, a)
sqrt(N(s) + 1) / (1 + N(s, a)) (the + 1 lets the priors choose the first
visit), to a position not yet in the tree. Q of a move not yet visited
(`unvisited`): 'zero', a draw, as the paper's pseudocode; or 'parent', the
mean value of its position so far (its network value and the values
backed up through it), the "first-play urgency" of Leela Zero and KataGo
(without their reduction). Against 'zero', 'parent' widens the search of
a player whose moves score above 0 and narrows it where they score below.
At the new position `evaluate(state) -> (priors over the legal moves,
value for the player to move)` expands it, or the game's result ends it.
The value is backed up with its sign flipped at every level: each edge
holds values for the player who chose it. The root's priors get Dirichlet
noise in self-play only. Returns the root's visit counts.
"""

import math
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from agents.alphazero import games

# evaluate(state) -> (priors [num_actions], zero where illegal; value of
# the position for its player to move, in [-1, 1]).
Evaluate = Callable[[np.ndarray], Tuple[np.ndarray, float]]
# evaluate_batch(states) -> (priors [B, num_actions], values [B]): the same
# for several positions in one network call.
EvaluateBatch = Callable[[Sequence[np.ndarray]], Tuple[np.ndarray, np.ndarray]]

# Q of a move not yet visited: `Node.select`'s `unvisited`.
UNVISITED = ('zero', 'parent')


class Node:
  """A position in the tree: its moves' priors, visits and value sums."""

  __slots__ = ('priors', 'value', 'visits', 'value_sums', 'children',
               'terminal', '_illegal')

  def __init__(self, priors: np.ndarray, terminal: Optional[float] = None,
               value: float = 0.0):
    self.priors = priors
    self.value = value  # The network's, for the player to move.
    self.visits = np.zeros(len(priors), np.float64)
    self.value_sums = np.zeros(len(priors), np.float64)
    self.children: Dict[int, 'Node'] = {}
    self.terminal = terminal  # The result, for the player to move.
    # Added to the PUCT scores: -inf on illegal moves (prior 0).
    self._illegal = np.where(priors > 0, 0.0, -np.inf)

  def select(self, c_puct: float, unvisited: str = 'zero') -> int:
    """The legal move with the highest PUCT score; `unvisited`: the Q of
    moves not yet visited, 'zero' or 'parent' (the module's docstring)."""
    # The hot loop of search: few NumPy calls on these 7-9 entries (each
    # costs about a microsecond whatever the size). An unvisited move's
    # value sum is 0, so dividing by max(visits, 1) gives it Q = 0.
    visits = self.visits
    total = visits.sum()
    q = self.value_sums / np.maximum(visits, 1.0)
    if unvisited != 'zero':
      first_play = (self.value + self.value_sums.sum()) / (1.0 + total)
      q = np.where(visits > 0, q, first_play)
    score = q + (c_puct * math.sqrt(total + 1)) * self.priors / (1 + visits)
    score += self._illegal
    return int(score.argmax())

  def root_value(self) -> float:
    """The search's value of this position for its player to move: the
    mean of the values backed up through it (each edge holds values for
    the player who chose it, the player to move here)."""
    return float(self.value_sums.sum() / max(self.visits.sum(), 1.0))


def add_noise(priors: np.ndarray, alpha: float, epsilon: float,
              rng: np.random.Generator) -> np.ndarray:
  """(1 - epsilon) priors + epsilon Dir(alpha), over the legal moves
  (priors > 0)."""
  legal = priors > 0
  noise = np.zeros_like(priors)
  noise[legal] = rng.dirichlet([alpha] * int(legal.sum()))
  return (1 - epsilon) * priors + epsilon * noise


def search(game: games.Game, state: np.ndarray, evaluate: Evaluate,
           simulations: int, c_puct: float, rng: np.random.Generator,
           noise: Optional[Tuple[float, float]] = None,
           unvisited: str = 'zero') -> np.ndarray:
  """Root visit counts [num_actions] after `simulations` simulations from
  `state` (not over). `noise` = (alpha, epsilon) for self-play;
  `unvisited`: Q of unvisited moves, 'zero' or 'parent'."""
  return search_tree(game, state, evaluate, simulations, c_puct, rng,
                     noise, unvisited).visits


def search_tree(game: games.Game, state: np.ndarray, evaluate: Evaluate,
                simulations: int, c_puct: float, rng: np.random.Generator,
                noise: Optional[Tuple[float, float]] = None,
                unvisited: str = 'zero') -> Node:
  """`search`'s root after its simulations."""
  _check_unvisited(unvisited)
  priors, value = evaluate(state)
  root = _root(priors, value, noise, rng)
  for _ in range(simulations):
    simulate(game, root, state, evaluate, c_puct, unvisited)
  return root


def search_trees(game: games.Game, states: Sequence[np.ndarray],
                 evaluate_batch: EvaluateBatch, simulations: Sequence[int],
                 c_puct: float, rng: np.random.Generator,
                 noise: Sequence[Optional[Tuple[float, float]]],
                 unvisited: str = 'zero') -> List[Node]:
  """`search_tree` of several positions at once (self-play's games in
  flight), with `simulations[i]` and `noise[i]` for `states[i]`: each
  round takes one simulation in every tree, and the round's new positions
  go through `evaluate_batch` together. Each tree is the one
  `search_tree` builds (a simulation depends on its own tree alone)."""
  _check_unvisited(unvisited)
  priors, values = evaluate_batch(states)
  roots = [_root(p, v, n, rng) for p, v, n in zip(priors, values, noise)]
  for simulation in range(max(simulations)):
    pending = []  # (path, new position) of each tree.
    for root, state, budget in zip(roots, states, simulations):
      if simulation < budget:
        path, leaf = _descend(game, root, state, c_puct, unvisited)
        if leaf is not None:
          pending.append((path, leaf))
    if pending:
      priors, values = evaluate_batch([leaf for _, leaf in pending])
      for (path, _), p, v in zip(pending, priors, values):
        _expand(path, p, float(v))
  return roots


def simulate(game: games.Game, root: Node, state: np.ndarray,
             evaluate: Evaluate, c_puct: float,
             unvisited: str = 'zero') -> None:
  """One simulation from `root` (at `state`): select, expand, back up."""
  path, leaf = _descend(game, root, state, c_puct, unvisited)
  if leaf is not None:
    _expand(path, *evaluate(leaf))


def _check_unvisited(unvisited: str) -> None:
  if unvisited not in UNVISITED:
    raise ValueError(f'unvisited={unvisited!r}; allowed: '
                     f'{", ".join(UNVISITED)}.')


def _root(priors: np.ndarray, value: float,
          noise: Optional[Tuple[float, float]],
          rng: np.random.Generator) -> Node:
  if noise is not None:
    priors = add_noise(priors, noise[0], noise[1], rng)
  return Node(priors, value=float(value))


def _descend(game: games.Game, root: Node, state: np.ndarray, c_puct: float,
             unvisited: str) -> Tuple[List[Tuple[Node, int]],
                                      Optional[np.ndarray]]:
  """Selects from `root` down to a position not in the tree: (the path of
  (node, move), that position) for `_expand`, or (path, None) where the
  path ended in a finished game, already backed up."""
  node, path = root, []
  while True:
    action = node.select(c_puct, unvisited)
    path.append((node, action))
    child = node.children.get(action)
    if child is None:
      state, terminal = game.step(state, action)
      if terminal is None:
        return path, state
      node.children[action] = Node(np.zeros(game.num_actions), terminal)
      _backup(path, terminal)
      return path, None
    if child.terminal is not None:
      _backup(path, child.terminal)
      return path, None
    state = game.next_state(state, action)
    node = child


def _expand(path: List[Tuple[Node, int]], priors: np.ndarray,
            value: float) -> None:
  """Adds the position at the end of `path` with the network's priors and
  value (for its player to move), and backs the value up."""
  node, action = path[-1]
  node.children[action] = Node(priors, value=value)
  _backup(path, value)


def _backup(path: List[Tuple[Node, int]], value: float) -> None:
  # `value` is for the player to move at the end of the path; the edge
  # into it was chosen by the other player.
  for parent, action in reversed(path):
    value = -value
    parent.visits[action] += 1
    parent.value_sums[action] += value


def network_evaluate_batch(game: games.Game, network: Callable[..., Tuple[
    np.ndarray, np.ndarray]]) -> EvaluateBatch:
  """`evaluate_batch` from a network on observations ([B, D] -> logits,
  values)."""
  from agents.alphazero import network as network_lib  # pylint: disable=g-import-not-at-top

  def evaluate_batch(states: Sequence[np.ndarray]
                     ) -> Tuple[np.ndarray, np.ndarray]:
    states = np.stack(states)
    logits, values = network(game.observations(states))
    legal = game.legal_actions(states)
    priors = network_lib.masked_softmax(logits, legal)
    # Legal moves keep a prior > 0 (the tree's mark of legality) even
    # where the softmax underflows.
    return np.where(legal, np.maximum(priors, 1e-8), 0.0), values
  return evaluate_batch


def network_evaluate(game: games.Game, network: Callable[..., Tuple[
    np.ndarray, np.ndarray]]) -> Evaluate:
  """`evaluate` from a network on observations ([B, D] -> logits, values)."""
  evaluate_batch = network_evaluate_batch(game, network)

  def evaluate(state: np.ndarray) -> Tuple[np.ndarray, float]:
    priors, values = evaluate_batch([state])
    return priors[0], float(values[0])
  return evaluate
