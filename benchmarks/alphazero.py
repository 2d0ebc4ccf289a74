"""AlphaZero benchmark (issue 17).

  .venv/bin/python -m benchmarks.alphazero [--part=tic_tac_toe|connect_four|
      forward|self_play_threads|parallel_games|match] [--seconds=S] [--seed=N]
      [--evaluation=curve|target] [--hparam=NAME=VALUE ...]
      [--logdir=DIR --games=N --opponent=NAME] [--record]

tic_tac_toe: launches `--program=alphazero --env=tic_tac_toe` with 2
  actors for 5 minutes (no target stop), then plays the weights its
  evaluator last used: 100 games against perfect play and 100 against a
  random player (both seats, search with eval_simulations), and the raw
  network's argmax against minimax on the 4,520 non-terminal positions;
  with the run's throughput (self-play games/s and simulations/s per actor,
  learner updates/s) and memory.
connect_four: the same program on Connect Four for --seconds (default 30
  minutes, --seed default 1) with the evaluator playing pure MCTS with 100,
  400 and 1,600 simulations, the agent searching 400 simulations a move;
  the win rates over time are the curve. Those matches keep about one of
  the two cores busy all run (a round of 30 games takes ~6 minutes), so
  `--evaluation=target` plays MCTS-400 alone (the target's opponent), 10
  games every 3 minutes: the run trains on nearly the whole machine.
forward: one position through the network, NumPy on pulled weights vs the
  Sonnet module (eager and tf.function): what an actor's search pays per
  simulation; and the NumPy conv torso on Connect Four's board.
match: the weights a run's evaluator last played with (--logdir) against
  one opponent (--opponent, default mcts_400) for --games (default 100, both
  seats), searching as the run's evaluator did: the win rate with a 95%
  interval, where an evaluator round of 10 games is +-0.2-0.3. The
  connect_four part ends with this match of its final weights.
self_play_threads: two Connect Four self-play actors at once (processes),
  MLP and conv networks, with OpenBLAS's default threads and with one (what
  local launches give nodes: launch/local_mp.SHARED_MACHINE_ENV).
parallel_games: self-play simulations/s with 1, 4, 8 and 16 games in flight
  per actor (`parallel_games`: their searches' new positions through the
  network in one batch), 2 actors at once, on Connect Four (MLP and conv)
  and tic-tac-toe (the default MLP).
"""

import argparse
import math
import os
import subprocess
import sys
import time
from typing import Sequence, Tuple

import numpy as np

from agents.alphazero import config as config_lib
from agents.alphazero import games
from agents.alphazero import matches
from agents.alphazero import references
from benchmarks import launches
from launch import play


def _throughput(run: launches.Run) -> str:
  actor = run.csv('actor')[-1]
  learner = run.csv('learner')[-1]
  return (f"self-play per actor: {float(actor['games_per_s_local']):.1f} "
          f"games/s, {float(actor['simulations_per_s_local']):,.0f} "
          f"simulations/s; learner {float(learner['learner_steps_per_s']):.1f}"
          f" updates/s ({learner['learner_steps']} in the run); "
          f"{float(learner['games']):,.0f} games; peak RSS "
          f'{run.peak_rss_gib:.2f} GiB; first move {run.first_step_s:.1f} s '
          f'after launch; exit {run.returncode}')


def tic_tac_toe(seconds: float) -> str:
  run = launches.launch(['--program=alphazero', '--env=tic_tac_toe',
                         '--num_actors=2', '--seed=1'], seconds)
  rows = run.csv('evaluator')
  curve = ', '.join(
      f"{float(r['walltime_s']):.0f} s: {float(r['perfect_loss']):.2f}/"
      f"{float(r['random_win']):.2f}/{float(r['optimal_move_rate']):.3f}"
      for r in rows)
  game, config, weights = play.load_run(run.logdir)
  agent = matches.agent_player(game, weights, config)
  rng = np.random.default_rng(7)
  perfect = matches.match(game, agent, references.make_player(
      game, 'perfect'), 100, rng)
  random_ = matches.match(game, agent, references.make_player(
      game, 'random'), 100, rng)
  rate = matches.optimal_move_rate(weights)
  first_clean = next((float(r['walltime_s']) for r in rows
                      if float(r['perfect_loss']) == 0), None)
  return '\n'.join([
      f'Tic-tac-toe, {seconds:.0f} s, 2 actors, seed 1, defaults:',
      f'- final weights (last evaluation, at '
      f"{float(rows[-1]['walltime_s']):.0f} s), 100 games each, both seats:"
      f" vs perfect W/D/L {perfect['win']:.2f}/{perfect['draw']:.2f}/"
      f"{perfect['loss']:.2f}; vs random {random_['win']:.2f}/"
      f"{random_['draw']:.2f}/{random_['loss']:.2f}; raw network argmax "
      f'optimal in {rate:.1%} of the 4,520 positions',
      f'- first evaluation round without a loss to perfect play: '
      f'{first_clean} s',
      f'- evaluator rounds (time: loss rate vs perfect / win rate vs '
      f'random / optimal-move rate): {curve}',
      f'- {_throughput(run)}'])


# Connect Four's evaluation: the agent's search and games per opponent.
EVAL_SIMULATIONS = 400
EVAL_GAMES = 10


# --evaluation: the evaluator's opponents and seconds between rounds.
EVALUATIONS = {'curve': (('mcts_100', 'mcts_400', 'mcts_1600'), 60),
               'target': (('mcts_400',), 180)}


def connect_four(seconds: float, seed: int = 1, evaluation: str = 'curve',
                 hparams: Sequence[str] = ()) -> str:
  opponents, period = EVALUATIONS[evaluation]
  # The target's opponent first: its score is the evaluator's return.
  ordered = ['mcts_400'] + [o for o in opponents if o != 'mcts_400']
  run = launches.launch([
      '--program=alphazero', '--env=connect_four', '--num_actors=2',
      f'--seed={seed}', f'--hparam=opponents={",".join(ordered)}',
      # The agent searches with as many simulations as the target's
      # opponent (MCTS-400) rolls out; 10 games a round, so that 90% is
      # one loss, not a perfect round (8 games: 0.875 or 1).
      f'--hparam=eval_simulations={EVAL_SIMULATIONS}',
      f'--hparam=eval_games={EVAL_GAMES}',
      f'--hparam=eval_period_seconds={period}',
      '--hparam=dirichlet_alpha=0.5', '--hparam=temperature_moves=8',
      '--hparam=insert_batch=96'] +
                         [f'--hparam={h}' for h in hparams], seconds)
  curve = ', '.join(
      f"{float(r['walltime_s']) / 60:.0f} min: " +
      '/'.join(f"{float(r[o + '_win']):.2f}" for o in opponents)
      for r in run.csv('evaluator'))
  names = '/'.join(f'{int(o.split("_")[1]):,}' for o in opponents)
  return '\n'.join([
      f'Connect Four, {seconds / 60:.0f} min, 2 actors, seed {seed}, the '
      f'agent searching {EVAL_SIMULATIONS} simulations a move in evaluation, '
      f'a round every {period} s' +
      (f', {", ".join(hparams)}' if hparams else '') + ':',
      f'- win rate vs pure MCTS {names} simulations ('
      f'{EVAL_GAMES} games each, both seats), per evaluation: {curve}',
      f'- {_throughput(run)}',
      '- ' + match(run.logdir, MATCH_GAMES, 'mcts_400')])


# Games of the `match` part by default, and of the connect_four part's
# closing match.
MATCH_GAMES = 100


def wilson_interval(wins: int, games: int, z: float = 1.96
                    ) -> Tuple[float, float]:
  """The Wilson score interval of a win rate (95% for z = 1.96)."""
  p = wins / games
  centre = (p + z * z / (2 * games)) / (1 + z * z / games)
  half = z * math.sqrt(p * (1 - p) / games + z * z / (4 * games * games)) / (
      1 + z * z / games)
  return centre - half, centre + half


def match(logdir: str, num_games: int, opponent: str, seed: int = 7) -> str:
  """The run's last evaluated weights against `opponent`, `num_games`
  games, both seats, searching as its evaluator did."""
  game, config, weights = play.load_run(logdir)
  agent = matches.agent_player(game, weights, config)
  result = matches.match(game, agent, references.make_player(game, opponent),
                         num_games, np.random.default_rng(seed))
  low, high = wilson_interval(round(result['win'] * num_games), num_games)
  return (f'{game.name}, the last evaluated weights of {logdir} '
          f'(searching {config.eval_simulations} simulations) vs {opponent}, '
          f'{num_games} games, both seats, seed {seed}: win/draw/loss '
          f"{result['win']:.2f}/{result['draw']:.2f}/{result['loss']:.2f}, "
          f'win rate 95% interval {low:.2f}-{high:.2f}')


def _microseconds(call) -> float:
  """Mean time of `call()` over ~2 s."""
  start, n = time.perf_counter(), 0
  while time.perf_counter() - start < 2.0:
    call()
    n += 1
  return 1e6 * (time.perf_counter() - start) / n


def forward() -> str:
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from agents.alphazero import network as network_lib  # pylint: disable=g-import-not-at-top
  config = config_lib.AlphaZeroConfig()
  model = network_lib.make_network(9, config.hidden_sizes)
  observation = np.zeros((1, 18), np.float32)
  model(observation)
  numpy_network = network_lib.NumpyNetwork(model.weights())
  compiled = tf.function(model)
  compiled(observation)
  out = [f'{name} {_microseconds(call):.1f} us' for name, call in (
      ('NumPy', lambda: numpy_network(observation)),
      ('Sonnet eager', lambda: model(observation)),
      ('Sonnet tf.function', lambda: compiled(observation)))]
  # The conv torso of the Connect Four runs, in NumPy as actors run it.
  board = games.make_game('connect_four').board
  conv = network_lib.NumpyNetwork(network_lib.random_weights(
      84, 7, (64,), 0, (32, 32), board), board)
  board_observation = np.zeros((1, 84), np.float32)
  return ('One position through the network (batch 1): ' + ', '.join(out) +
          '; NumPy, Connect Four, conv (32, 32) then MLP (64,): '
          f'{_microseconds(lambda: conv(board_observation)):.1f} us')


# One self-play actor (random weights) for a few games: argv = game,
# conv_channels ('' for none), hidden_sizes, parallel_games; prints
# simulations/s.
_SELF_PLAY = """
import sys, time
from agents.alphazero import config, games, self_play
sizes = lambda text: tuple(int(x) for x in text.split(',') if x)
actor = self_play.SelfPlayActor(
    games.make_game(sys.argv[1]),
    config.AlphaZeroConfig(conv_channels=sizes(sys.argv[2]),
                           hidden_sizes=sizes(sys.argv[3]),
                           parallel_games=int(sys.argv[4]),
                           dirichlet_alpha=0.5, temperature_moves=8),
    seed=1)
start = time.perf_counter()
for _ in range(10 * int(sys.argv[4])):
  actor.play()
print(actor.simulations / (time.perf_counter() - start))
"""

_NETWORKS = (('MLP (128, 128)', '', '128,128'),
             ('conv (32, 32) + MLP (64,)', '32,32', '64'))


def _two_actors(game: str, conv: str, hidden: str, parallel_games: int,
                openblas_threads: str = '1') -> str:
  """Simulations/s of 2 self-play actors at once (2 processes, as a run's
  2 actors), each over 10 x parallel_games games."""
  env = {k: v for k, v in os.environ.items() if k != 'OPENBLAS_NUM_THREADS'}
  if openblas_threads != 'default':
    env['OPENBLAS_NUM_THREADS'] = openblas_threads
  actors = [subprocess.Popen(
      [sys.executable, '-c', _SELF_PLAY, game, conv, hidden,
       str(parallel_games)], env=env,
      cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
      stdout=subprocess.PIPE, text=True) for _ in range(2)]
  rates = [float(a.communicate(timeout=1200)[0].split()[-1])
           for a in actors]
  return ' and '.join(f'{rate:,.0f}' for rate in rates)


def self_play_threads() -> str:
  """Connect Four self-play, 2 actors at once, with OpenBLAS's default
  threads and with one thread."""
  rows = [f'{name}, OpenBLAS threads {threads}: ' +
          _two_actors('connect_four', conv, hidden, 1, threads)
          for name, conv, hidden in _NETWORKS
          for threads in ('default', '1')]
  return ('Connect Four self-play, 2 actors at once, 10 games each, '
          'simulations/s per actor: ' + '; '.join(rows))


def parallel_games() -> str:
  """Self-play with 1-16 games in flight per actor (their leaves through
  the network in one batch), 2 actors at once, OpenBLAS on one thread."""
  rows = []
  for game, networks in (('connect_four', _NETWORKS),
                         ('tic_tac_toe', _NETWORKS[:1])):
    for name, conv, hidden in networks:
      rows.append(f'{game}, {name}: ' + ', '.join(
          f'{k} games {_two_actors(game, conv, hidden, k)}'
          for k in (1, 4, 8, 16)))
  return ('Self-play, 2 actors at once, 10 x parallel_games games each, '
          'simulations/s per actor: ' + '; '.join(rows))


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--part', action='append',
                      choices=('tic_tac_toe', 'connect_four', 'forward',
                               'self_play_threads', 'parallel_games',
                               'match'))
  parser.add_argument('--seconds', type=float, default=None)
  parser.add_argument('--seed', type=int, default=1,
                      help='connect_four: the run seed.')
  parser.add_argument('--evaluation', choices=tuple(EVALUATIONS),
                      default='curve',
                      help='connect_four: the evaluator\'s opponents.')
  parser.add_argument('--hparam', action='append', default=[],
                      help='connect_four: NAME=VALUE, a config field for '
                      'the run (as the launcher\'s flag).')
  parser.add_argument('--logdir', default=None,
                      help='match: an alphazero run\'s logdir.')
  parser.add_argument('--games', type=int, default=MATCH_GAMES,
                      help='match: games, both seats.')
  parser.add_argument('--opponent', default='mcts_400',
                      help='match: random, perfect or mcts_<N>.')
  parser.add_argument('--record', action='store_true')
  args = parser.parse_args()
  parts = args.part or ['forward', 'tic_tac_toe']
  if 'match' in parts and not args.logdir:
    parser.error('--part=match needs --logdir')
  if args.games < 1:
    parser.error('--games must be >= 1')
  texts = []
  for part in parts:
    if part == 'forward':
      texts.append(forward())
    elif part == 'self_play_threads':
      texts.append(self_play_threads())
    elif part == 'parallel_games':
      texts.append(parallel_games())
    elif part == 'match':
      texts.append(match(args.logdir, args.games, args.opponent))
    elif part == 'tic_tac_toe':
      texts.append(tic_tac_toe(args.seconds or 300))
    else:
      texts.append(connect_four(args.seconds or 1800, args.seed,
                                args.evaluation, args.hparam))
    print(texts[-1], flush=True)
  if args.record:
    launches.record('AlphaZero (python -m benchmarks.alphazero)',
                    '\n\n'.join(texts))


if __name__ == '__main__':
  main()
