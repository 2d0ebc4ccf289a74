"""AlphaZero (Silver et al. 2018) as a Launchpad program.

  self-play actor x N --(observation, legal, search policy, outcome)-->
      replay (Reverb table, samples-per-insert limiter) --batches--> learner
     ^                                                                  |
     +-------------- variable_server <------ get_variables -------------+
  evaluator (matches vs references) <-- variable_server
  counter (+ budget) <-- everyone

Actors play whole games against themselves, searching each move with MCTS
(PUCT) over the network's priors and values, with Dirichlet noise at the
root; the network runs in NumPy on the pulled weights, so actors and the
evaluator import no TensorFlow. The evaluator plays the current network
(greedy search) against `config.opponents`, both seats, and logs win, draw
and loss rates; its `episode_return` is the score against the first
opponent (tic-tac-toe: perfect play, so --target_return=0 stops the run
when it no longer loses).

  python -m launch --program=alphazero --env=tic_tac_toe --max_seconds=300
  python -m launch.play --logdir=...   # play the evaluated network

Node code: `programs.nodes` (self_play, match_evaluator); maths:
`agents.alphazero`.
"""

import functools
import time
from typing import Any, Optional

import launchpad as lp

from agents.alphazero import config as config_lib
from agents.alphazero import matches
from agents.alphazero import self_play
from agents.common import environments
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import learner_runner
from programs.nodes import lifecycle
from programs.nodes import loggers
from programs.nodes import match_evaluator
from programs.nodes import replay as replay_lib
from programs.nodes import self_play as self_play_node
from programs.nodes import variable_server as variable_server_lib

VARIABLE_NAMES = self_play.VARIABLE_NAMES
REPLAY_TABLE = self_play.REPLAY_TABLE


def make_actor(variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, game_name: str,
               config: config_lib.AlphaZeroConfig, seed: int) -> Any:
  """A self-play actor writing its games to `replay`."""
  # pylint: disable=g-import-not-at-top
  from agents.alphazero import games
  from agents.common import replay_writers
  write = None
  if replay is not None:
    write = replay_writers.ItemWriter(replay, REPLAY_TABLE,
                                      should_stop or (lambda: False)).write
  return self_play.SelfPlayActor(games.make_game(game_name), config, seed,
                                 variable_source, write)


def make_learner(replay: Any, counter: Any, *, game_name: str,
                 config: config_lib.AlphaZeroConfig, logdir: Optional[str],
                 start_time: float) -> Any:
  """The learner, sampling the self-play table."""
  # pylint: disable=g-import-not-at-top
  import tensorflow as tf
  from agents.alphazero import games
  from agents.alphazero import learner
  from agents.alphazero import network
  from agents.common import replay_datasets
  game = games.make_game(game_name)
  counter = counter_lib.CounterClient(counter)
  logger = loggers.learner_logger(
      counter, logdir=logdir, start_time=start_time,
      period_seconds=config.log_period_seconds, replay=replay,
      table=REPLAY_TABLE)
  model = network.make_network(game.num_actions, config.hidden_sizes,
                               config.conv_channels, game.board)
  model(tf.zeros((1,) + game.observation_shape))  # Its variables, now.
  dataset = replay_datasets.make_dataset(
      replay.server_address, REPLAY_TABLE, config.batch_size,
      on_wait=lifecycle.check_stop)
  return learner.AlphaZeroLearner(model, iter(dataset), config,
                                  counter=counter, logger=logger)


def replay_tables(game_name: str, config: config_lib.AlphaZeroConfig) -> Any:
  # pylint: disable=g-import-not-at-top
  from agents.alphazero import games
  from agents.alphazero import learner
  from agents.common import replay_tables as tables
  game = games.make_game(game_name)
  return [tables.replay_table(
      REPLAY_TABLE, learner.signature(game.observation_shape[0],
                                      game.num_actions), config)]


def make_program(config: config_lib.AlphaZeroConfig, environment_name: str,
                 *, num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The AlphaZero program graph.

  Args: as `programs.impala.make_program`; `environment_name` is a game of
  `environments.GAME_NAMES`.

  Raises:
    ValueError: not a two-player game, num_actors < 1, an opponent the
      game has no reference for.
  """
  if environment_name not in environments.GAME_NAMES:
    raise ValueError(f'alphazero plays two-player games '
                     f'({", ".join(environments.GAME_NAMES)}); '
                     f'{environment_name!r} is not one.')
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  if 'perfect' in config.opponents and environment_name != 'tic_tac_toe':
    raise ValueError(f'AlphaZeroConfig.opponents={config.opponents}: a '
                     f'perfect player exists for tic_tac_toe only, not '
                     f'{environment_name}; use mcts_<simulations>.')
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  logs = dict(logdir=logdir, start_time=start_time)
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program('alphazero')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  with program.group('replay'):
    replay = program.add_node(replay_lib.build_replay(functools.partial(
        replay_tables, environment_name, config), checkpoint=saves))
  with program.group('learner'):
    learner = program.add_node(learner_runner.build_learner(
        functools.partial(make_learner, game_name=environment_name,
                          config=config, **logs),
        checkpoint=saves, replay=replay, counter=counter))
  with program.group('variable_server'):
    variable_server = program.add_node(
        variable_server_lib.build_variable_server(
            learner, VARIABLE_NAMES, config.variable_refresh_seconds))
  with program.group('actor'):
    for i in range(num_actors):
      program.add_node(self_play_node.build_self_play(
          functools.partial(make_actor, game_name=environment_name,
                            config=config, seed=seeds[i]),
          variable_source=variable_server, replay=replay, counter=counter,
          log_period_seconds=config.log_period_seconds, log=i == 0, **logs))
  with program.group('evaluator'):
    program.add_node(match_evaluator.build_match_evaluator(
        functools.partial(matches.evaluate, environment_name, config),
        variable_names=VARIABLE_NAMES, seed=seeds[-1],
        variable_source=variable_server, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
