"""Play a trained AlphaZero agent in the terminal.

  python -m launch.play --logdir=LOGDIR [--simulations=N] [--agent_first]

Reads the run's config.json (game, network sizes, search settings) and the
weights its evaluator last played with (<logdir>/evaluated_weights.npz, written
every evaluation round); the agent searches `--simulations` per move (the
run's eval_simulations by default) with no noise and plays its most
visited move. Moves are numbered from 1: tic-tac-toe cells row by row,
Connect Four columns left to right. An empty line or end of input quits.
"""

import argparse
import json
import os
import sys
from typing import Any, List, Optional, Sequence, TextIO, Tuple

import numpy as np


def _board(game, state, human_is_x: bool, human_to_move: bool) -> str:
  """The board with X and O as the players see them, and move numbers."""
  x_to_move = human_to_move == human_is_x
  text = game.render(state, x_to_move=x_to_move)
  if game.name == 'tic_tac_toe':
    cells = text.split()
    numbered = [c if c != '.' else str(i + 1) for i, c in enumerate(cells)]
    return '\n'.join(' '.join(numbered[r * 3:r * 3 + 3]) for r in range(3))
  return text + '\n' + ' '.join(str(c + 1) for c in range(game.columns))


def load_run(logdir: str) -> Tuple[Any, Any, List[np.ndarray]]:
  """(game, AlphaZeroConfig, weights) of an alphazero run's `logdir`: its
  config.json and the weights its evaluator last played with. ValueError
  (the reason) for a logdir without them."""
  # pylint: disable=g-import-not-at-top
  from agents.alphazero import config as config_lib
  from agents.alphazero import games
  from programs.nodes import match_evaluator
  config_path = os.path.join(logdir, 'config.json')
  weights_path = os.path.join(logdir, match_evaluator.WEIGHTS_FILE)
  for path in (config_path, weights_path):
    if not os.path.exists(path):
      raise ValueError(f'{path} is missing: is {logdir} the logdir of an '
                       'alphazero run that reached its first evaluation?')
  with open(config_path) as f:
    resolved = json.load(f)
  if resolved.get('program') != 'alphazero':
    raise ValueError(f'{logdir} holds a {resolved.get("program")} run, '
                     'not alphazero.')
  fields = {f for f in config_lib.AlphaZeroConfig.__dataclass_fields__}
  config = config_lib.AlphaZeroConfig(**{
      k: tuple(v) if isinstance(v, list) else v
      for k, v in resolved['hparams'].items() if k in fields})
  return (games.make_game(resolved['environment']), config,
          match_evaluator.load_weights(weights_path))


def play(logdir: str, simulations: Optional[int], agent_first: bool,
         read: TextIO = sys.stdin, write: TextIO = sys.stdout,
         seed: int = 0) -> int:
  """One game against the agent of `logdir`; 0 when it ends or the human
  quits, 2 for a logdir without what it needs."""
  from agents.alphazero import matches  # pylint: disable=g-import-not-at-top
  try:
    game, config, weights = load_run(logdir)
  except ValueError as e:
    print(f'play: error: {e}', file=sys.stderr)
    return 2
  agent = matches.agent_player(game, weights, config, simulations)
  rng = np.random.default_rng(seed)
  human_is_x = not agent_first
  state, human_to_move = game.initial_state(), not agent_first
  write.write(f'{game.name}: you are {"X" if human_is_x else "O"}; moves '
              f'1-{game.num_actions}; an empty line quits.\n')
  while game.terminal_value(state) is None:
    if human_to_move:
      write.write(_board(game, state, human_is_x, True) + '\nyour move: ')
      write.flush()
      line = read.readline().strip()
      if not line:
        write.write('\nbye\n')
        return 0
      legal = game.legal_actions(state)
      if not line.isdigit() or not 1 <= int(line) <= game.num_actions or (
          not legal[int(line) - 1]):
        write.write(f'{line!r} is not a legal move; legal: '
                    f'{(np.flatnonzero(legal) + 1).tolist()}\n')
        continue
      action = int(line) - 1
    else:
      action = agent(state, rng)
      write.write(f'agent plays {action + 1}\n')
    state = game.next_state(state, action)
    human_to_move = not human_to_move
  # The result is for the player to move, who did not make the last move.
  result = game.terminal_value(state)
  write.write(_board(game, state, human_is_x, human_to_move) + '\n')
  if result == 0:
    write.write('draw\n')
  else:
    write.write('you win\n' if human_to_move == (result > 0) else
                'the agent wins\n')
  return 0


def main(argv: Optional[Sequence[str]] = None) -> int:
  parser = argparse.ArgumentParser(prog='python -m launch.play',
                                   description=__doc__.splitlines()[0])
  parser.add_argument('--logdir', required=True)
  parser.add_argument('--simulations', type=int, default=None,
                      help="Per agent move (default: the run's "
                      'eval_simulations); >= 1.')
  parser.add_argument('--agent_first', action='store_true')
  parser.add_argument('--seed', type=int, default=0)
  args = parser.parse_args(argv)
  if args.simulations is not None and args.simulations < 1:
    parser.error('--simulations must be >= 1')
  return play(args.logdir, args.simulations, args.agent_first,
              seed=args.seed)


if __name__ == '__main__':
  sys.exit(main())
