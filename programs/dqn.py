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
from typing import Any, Callable, Dict, Optional, Sequence, Union

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


def actor_parts(agent: Any, environment: Any, variable_source: Any,
                replay: Any, should_stop: Any, *, config: Any,
                epsilon: Union[float, str], table: Optional[str]) -> Dict[
                    str, Any]:
  """What every replay-family actor takes, built in the actor's process.

  Args:
    agent: the agent package (`agents.dqn`, `agents.r2d2`): its
      make_network and REPLAY_TABLE.
    epsilon: a fixed exploration rate, or LINEAR for the decaying schedule.
    table: the replay table (default: the agent's).

  Returns:
    network, writer (None without `replay`), variable_client, epsilon.
  """
  from agents.common import replay as replay_lib  # pylint: disable=g-import-not-at-top
  from agents.common import variable_client as variable_client_lib  # pylint: disable=g-import-not-at-top
  from agents.dqn import exploration  # pylint: disable=g-import-not-at-top
  network = agent.make_network(environment.observation_shape,
                               environment.num_actions, config)
  variable_client = variable_client_lib.VariableClient(
      variable_source, {VARIABLE_NAMES[0]: network.variables},
      update_period=actor_update_period(config))
  writer = None
  if replay is not None:
    writer = replay_lib.ItemWriter(replay, table or agent.REPLAY_TABLE,
                                   should_stop)
  if epsilon == LINEAR:
    epsilon = exploration.linear_epsilon(config)
  return dict(network=network, writer=writer,
              variable_client=variable_client, epsilon=epsilon)


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.DQNConfig,
               seed: int, epsilon: Union[float, str],
               table: Optional[str] = None) -> Any:
  """A DQN-family actor for `environment`; records transitions if `replay`.

  Args: see `actor_parts`.
  """
  from agents import dqn  # pylint: disable=g-import-not-at-top
  return dqn.DQNActor(
      num_envs=environment.num_envs, config=config, seed=seed,
      environment=environment,
      **actor_parts(dqn, environment, variable_source, replay, should_stop,
                    config=config, epsilon=epsilon, table=table))


def learner_inputs(replay: Any, counter: Any, *,
                   config: config_lib.DQNConfig, environment_name: str,
                   logdir: Optional[str], start_time: float,
                   log: bool = True, agent: Any = None) -> Dict[str, Any]:
  """What every replay-family learner takes, built in the learner's process:
  online and target networks, the replay iterator, the priority writer
  (prioritized replay), the counter and the logger (None unless `log`).

  `agent` is the agent package (make_network, REPLAY_TABLE); default
  `agents.dqn`.
  """
  from acme import datasets  # pylint: disable=g-import-not-at-top
  from agents import dqn  # pylint: disable=g-import-not-at-top
  from agents.common import replay as replay_lib  # pylint: disable=g-import-not-at-top
  agent = agent or dqn
  spec = environments.environment_spec(environment_name)
  make = functools.partial(agent.make_network, spec['observation_shape'],
                           spec['num_actions'], config)
  # One reader thread: the default 12 compete with the actors for 2 cores.
  dataset = datasets.make_reverb_dataset(
      server_address=replay.server_address, batch_size=config.batch_size,
      table=agent.REPLAY_TABLE, num_parallel_calls=1, prefetch_size=1)
  priority_writer = None
  if config.prioritized:
    priority_writer = replay_lib.PriorityWriter(replay, agent.REPLAY_TABLE)
  remote_counter = nodes.RemoteCounter(counter)  # Stoppable (LearnerRunner).
  logger = None
  if log:
    table_rates = replay_lib.TableRates(replay, agent.REPLAY_TABLE)
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
               logdir: Optional[str], start_time: float,
               actor_factory: Callable[..., Any] = make_actor) -> None:
  """Actor i explores with epsilons[i] and writes to replays[i].

  `actor_factory` is a module-level function with make_actor's signature
  (R2D2 passes its own).
  """
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(len(epsilons))]
  nodes.add_actors(
      program,
      make_actors=[functools.partial(actor_factory, config=config,
                                     seed=seed, epsilon=epsilon)
                   for seed, epsilon in zip(seeds, epsilons)],
      seeds=seeds, environment_name=environment_name,
      num_envs=config.envs_per_actor, variable_source=variable_source,
      replays=replays, counter=counter, logdir=logdir, start_time=start_time,
      log_period_seconds=config.log_period_seconds)


def add_evaluator(program: lp.Program, config: config_lib.DQNConfig,
                  environment_name: str, num_actors: int,
                  variable_source: Any, counter: Any, logdir: Optional[str],
                  start_time: float, budget: budget_lib.Budget,
                  actor_factory: Callable[..., Any] = make_actor) -> None:
  """A greedy (config.eval_epsilon) evaluator seeded after the actors."""
  seed = environments.actor_seed(config.seed, num_actors)
  nodes.add_evaluator(
      program,
      make_actor=functools.partial(actor_factory, config=config, seed=seed,
                                   epsilon=config.eval_epsilon),
      seed=seed, environment_name=environment_name,
      num_episodes=config.eval_episodes, variable_source=variable_source,
      counter=counter, logdir=logdir, start_time=start_time,
      period_seconds=config.eval_period_seconds, budget=budget)


def build_replay_program(name: str, config: config_lib.DQNConfig,
                         environment_name: str,
                         epsilons: Sequence[Union[float, str]],
                         budget: budget_lib.Budget, logdir: Optional[str],
                         start_time: Optional[float], *,
                         actor_factory: Callable[..., Any] = make_actor,
                         learner_factory: Callable[..., Any] = make_learner,
                         tables: Callable[..., Any] = replay_tables
                         ) -> lp.Program:
  """The DQN/Ape-X/R2D2 graph: one replay table, one learner, len(epsilons)
  actors. The factories are module-level functions with the signatures of
  this module's make_actor, make_learner and replay_tables (R2D2 passes its
  own)."""
  spec = check_discrete(environment_name, name)
  start_time = time.time() if start_time is None else start_time
  program = lp.Program(name)

  counter, replay, variable_server = nodes.add_learner_core(
      program, budget=budget, start_time=start_time,
      tables=functools.partial(tables, spec['observation_shape'], config),
      make_learner=functools.partial(
          learner_factory, config=config, environment_name=environment_name,
          logdir=logdir, start_time=start_time),
      variable_names=VARIABLE_NAMES,
      refresh_seconds=config.variable_refresh_seconds)

  add_actors(program, config, environment_name, epsilons, variable_server,
             [replay] * len(epsilons), counter, logdir, start_time,
             actor_factory)
  add_evaluator(program, config, environment_name, len(epsilons),
                variable_server, counter, logdir, start_time, budget,
                actor_factory)
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
