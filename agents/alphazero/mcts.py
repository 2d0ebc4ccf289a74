"""Monte-Carlo tree search with PUCT, guided by a policy/value function.

  visits = search(game, state, evaluate, simulations, c_puct, rng,
                  noise=(alpha, epsilon) or None, unvisited='zero')
  root = search_tree(...)  # The same; its root Node (visits, root_value).

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

from typing import Callable, Dict, Optional, Tuple

import numpy as np

from agents.alphazero import games

# evaluate(state) -> (priors [num_actions], zero where illegal; value of
# the position for its player to move, in [-1, 1]).
Evaluate = Callable[[np.ndarray], Tuple[np.ndarray, float]]

# Q of a move not yet visited: `Node.select`'s `unvisited`.
UNVISITED = ('zero', 'parent')


class Node:
  """A position in the tree: its moves' priors, visits and value sums."""

  __slots__ = ('priors', 'value', 'visits', 'value_sums', 'children',
               'terminal')

  def __init__(self, priors: np.ndarray, terminal: Optional[float] = None,
               value: float = 0.0):
    self.priors = priors
    self.value = value  # The network's, for the player to move.
    self.visits = np.zeros(len(priors), np.float64)
    self.value_sums = np.zeros(len(priors), np.float64)
    self.children: Dict[int, 'Node'] = {}
    self.terminal = terminal  # The result, for the player to move.

  def select(self, c_puct: float, unvisited: str = 'zero') -> int:
    """The legal move with the highest PUCT score; `unvisited`: the Q of
    moves not yet visited, 'zero' or 'parent' (the module's docstring)."""
    total = self.visits.sum()
    first_play = 0.0 if unvisited == 'zero' else (
        (self.value + self.value_sums.sum()) / (1.0 + total))
    q = np.divide(self.value_sums, self.visits,
                  out=np.full_like(self.value_sums, first_play),
                  where=self.visits > 0)
    u = c_puct * self.priors * np.sqrt(total + 1) / (1 + self.visits)
    score = np.where(self.priors > 0, q + u, -np.inf)
    return int(np.argmax(score))

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
  if unvisited not in UNVISITED:
    raise ValueError(f'unvisited={unvisited!r}; allowed: '
                     f'{", ".join(UNVISITED)}.')
  priors, value = evaluate(state)
  if noise is not None:
    priors = add_noise(priors, noise[0], noise[1], rng)
  root = Node(priors, value=value)
  for _ in range(simulations):
    simulate(game, root, state, evaluate, c_puct, unvisited)
  return root


def simulate(game: games.Game, root: Node, state: np.ndarray,
             evaluate: Evaluate, c_puct: float,
             unvisited: str = 'zero') -> None:
  """One simulation from `root` (at `state`): select, expand, back up."""
  node, path = root, []
  while True:
    action = node.select(c_puct, unvisited)
    path.append((node, action))
    state = game.next_state(state, action)
    child = node.children.get(action)
    if child is None:
      terminal = game.terminal_value(state)
      if terminal is not None:
        child = Node(np.zeros(game.num_actions), terminal)
        value = terminal
      else:
        priors, value = evaluate(state)
        child = Node(priors, value=value)
      node.children[action] = child
      break
    if child.terminal is not None:
      value = child.terminal
      break
    node = child
  # `value` is for the player to move at the leaf; the edge into it was
  # chosen by the other player.
  for parent, action in reversed(path):
    value = -value
    parent.visits[action] += 1
    parent.value_sums[action] += value


def network_evaluate(game: games.Game, network: Callable[..., Tuple[
    np.ndarray, np.ndarray]]) -> Evaluate:
  """`evaluate` from a network on observations ([1, D] -> logits, value)."""
  from agents.alphazero import network as network_lib  # pylint: disable=g-import-not-at-top

  def evaluate(state: np.ndarray) -> Tuple[np.ndarray, float]:
    logits, value = network(game.observation(state)[None])
    legal = game.legal_actions(state)
    priors = network_lib.masked_softmax(logits[0], legal)
    # Legal moves keep a prior > 0 (the tree's mark of legality) even
    # where the softmax underflows.
    return np.where(legal, np.maximum(priors, 1e-8), 0.0), float(value[0])
  return evaluate
