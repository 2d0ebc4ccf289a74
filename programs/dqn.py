"""DQN (Mnih et al. 2015) as a Launchpad program, and the graph Ape-X shares.

  actor x N --n-step transitions--> replay (Reverb table) --batches--> learner
     ^                                    ^--- new priorities (Ape-X) ---|
     +------ variable_server <---- get_variables ---------------------+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

The 2015 baseline is one actor with a linearly decaying epsilon and a
uniform table with a minimum size and a samples-per-insert rate limiter
(`--num_actors=1`); more actors each decay their own epsilon. `programs.apex`
builds the same graph with prioritized replay and the Ape-X epsilon ladder.

Wiring only: the module-level factories run in their node's process and
import TensorFlow there (see `programs.impala`).
"""

import functools
import time
from typing import Any, Dict, Optional, Sequence, Union

import launchpad as lp

from agents.common import budget as budget_lib
from agents.common import environments
from agents.common import loggers
from agents.dqn import config as config_lib
from programs import nodes

VARIABLE_NAMES = ('network',)
LINEAR = 'linear'  # An actor's epsilon: this decays config.epsilon_start->end.


def actor_update_period(config: config_lib.DQNConfig) -> int:
  """variable_update_period (environment steps) in batched actor steps."""
  return max(1, config.variable_update_period // config.envs_per_actor)


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.DQNConfig,
               seed: int, epsilon: Union[float, str],
               table: Optional[str] = None) -> Any:
  """A DQN-family actor for `environment`; records transitions if `replay`.

  Args:
    epsilon: a fixed exploration rate, or LINEAR for the decaying schedule.
    table: the replay table (default: the shared one).
  """
  from agents import dqn  # pylint: disable=g-import-not-at-top
  from agents.common import variable_client as variable_client_lib  # pylint: disable=g-import-not-at-top
  from agents.dqn import exploration  # pylint: disable=g-import-not-at-top
  network = dqn.make_network(environment.observation_shape,
                             environment.num_actions, config)
  variable_client = variable_client_lib.VariableClient(
      variable_source, {VARIABLE_NAMES[0]: network.variables},
      update_period=actor_update_period(config))
  writer = None
  if replay is not None:
    writer = dqn.TransitionWriter(replay, table or dqn.REPLAY_TABLE,
                                  should_stop)
  if epsilon == LINEAR:
    epsilon = exploration.linear_epsilon(config)
  return dqn.DQNActor(network, environment.num_envs, config, epsilon,
                      writer=writer, variable_client=variable_client,
                      seed=seed, environment=environment)


def learner_inputs(replay: Any, counter: Any, *,
                   config: config_lib.DQNConfig, environment_name: str,
                   logdir: Optional[str], start_time: float,
                   log: bool = True) -> Dict[str, Any]:
  """What every DQN-family learner takes, built in the learner's process:
  online and target networks, the replay iterator, the priority writer
  (prioritized replay), the counter and the logger (None unless `log`)."""
  from acme import datasets  # pylint: disable=g-import-not-at-top
  from agents import dqn  # pylint: disable=g-import-not-at-top
  from agents.common import replay as replay_lib  # pylint: disable=g-import-not-at-top
  from agents.dqn import learner as learner_lib  # pylint: disable=g-import-not-at-top
  spec = environments.environment_spec(environment_name)
  make = functools.partial(dqn.make_network, spec['observation_shape'],
                           spec['num_actions'], config)
  # One reader thread: the default 12 compete with the actors for 2 cores.
  dataset = datasets.make_reverb_dataset(
      server_address=replay.server_address, batch_size=config.batch_size,
      table=dqn.REPLAY_TABLE, num_parallel_calls=1, prefetch_size=1)
  priority_writer = None
  if config.prioritized:
    priority_writer = learner_lib.PriorityWriter(replay, dqn.REPLAY_TABLE)
  remote_counter = nodes.RemoteCounter(counter)  # Stoppable (LearnerRunner).
  logger = None
  if log:
    table_rates = replay_lib.TableRates(replay, dqn.REPLAY_TABLE)
    logger = loggers.NodeLogger(
        'learner', logdir, start_time, config.log_period_seconds,
        step_key='learner_steps',
        counts_fn=lambda: {**remote_counter.get_counts(), **table_rates()})
  return dict(network=make(), target_network=make(), iterator=iter(dataset),
              config=config, priority_writer=priority_writer,
              counter=remote_counter, logger=logger)


def make_learner(replay: Any, counter: Any, **kwargs: Any) -> Any:
  """The DQN/Ape-X learner, sampling from the replay table."""
  from agents import dqn  # pylint: disable=g-import-not-at-top
  return dqn.DQNLearner(**learner_inputs(replay, counter, **kwargs))


def replay_tables(observation_shape: Any,
                  config: config_lib.DQNConfig) -> Any:
  from agents.dqn import transitions  # pylint: disable=g-import-not-at-top
  return [transitions.replay_table(observation_shape, config)]


def check_discrete(environment_name: str, program: str) -> dict:
  spec = environments.environment_spec(environment_name)
  if spec['num_actions'] is None:
    raise ValueError(f'{program} takes discrete actions; environment '
                     f'{environment_name!r} has continuous ones.')
  return spec


def add_actors(program: lp.Program, config: config_lib.DQNConfig,
               environment_name: str, epsilons: Sequence[Union[float, str]],
               variable_source: Any, replays: Sequence[Any], counter: Any,
               logdir: Optional[str], start_time: float) -> None:
  """Actor i explores with epsilons[i] and writes to replays[i]."""
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(len(epsilons))]
  nodes.add_actors(
      program,
      make_actors=[functools.partial(make_actor, config=config, seed=seed,
                                     epsilon=epsilon)
                   for seed, epsilon in zip(seeds, epsilons)],
      seeds=seeds, environment_name=environment_name,
      num_envs=config.envs_per_actor, variable_source=variable_source,
      replays=replays, counter=counter, logdir=logdir, start_time=start_time,
      log_period_seconds=config.log_period_seconds)


def add_evaluator(program: lp.Program, config: config_lib.DQNConfig,
                  environment_name: str, num_actors: int,
                  variable_source: Any, counter: Any, logdir: Optional[str],
                  start_time: float, budget: budget_lib.Budget) -> None:
  """A greedy (config.eval_epsilon) evaluator seeded after the actors."""
  seed = environments.actor_seed(config.seed, num_actors)
  nodes.add_evaluator(
      program,
      make_actor=functools.partial(make_actor, config=config, seed=seed,
                                   epsilon=config.eval_epsilon),
      seed=seed, environment_name=environment_name,
      num_episodes=config.eval_episodes, variable_source=variable_source,
      counter=counter, logdir=logdir, start_time=start_time,
      period_seconds=config.eval_period_seconds, budget=budget)


def build_replay_program(name: str, config: config_lib.DQNConfig,
                         environment_name: str,
                         epsilons: Sequence[Union[float, str]],
                         budget: budget_lib.Budget, logdir: Optional[str],
                         start_time: Optional[float]) -> lp.Program:
  """The DQN/Ape-X graph: one replay table, one learner, len(epsilons) actors."""
  spec = check_discrete(environment_name, name)
  start_time = time.time() if start_time is None else start_time
  program = lp.Program(name)

  counter, replay, variable_server = nodes.add_learner_core(
      program, budget=budget, start_time=start_time,
      tables=functools.partial(replay_tables, spec['observation_shape'],
                               config),
      make_learner=functools.partial(
          make_learner, config=config, environment_name=environment_name,
          logdir=logdir, start_time=start_time),
      variable_names=VARIABLE_NAMES,
      refresh_seconds=config.variable_refresh_seconds)

  add_actors(program, config, environment_name, epsilons, variable_server,
             [replay] * len(epsilons), counter, logdir, start_time)
  add_evaluator(program, config, environment_name, len(epsilons),
                variable_server, counter, logdir, start_time, budget)
  return program


def make_program(config: config_lib.DQNConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The DQN program graph; deploy it with any Launchpad launch type.

  Args: as `programs.impala.make_program`; every actor decays its own
  epsilon linearly (config.epsilon_start -> epsilon_end).

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  return build_replay_program('dqn', config, environment_name,
                              [LINEAR] * num_actors, budget, logdir,
                              start_time)
