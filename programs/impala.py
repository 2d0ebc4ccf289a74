"""IMPALA as a Launchpad program (Espeholt et al. 2018, Figure 1, left).

  actor x N --unrolls--> replay (queue) --batches--> learner
     ^                                                  |
     +------ variable_server <---- get_variables -------+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

Wiring only: the factories below are module-level so Launchpad can pickle
them; each runs in its node's process and calls into `agents.impala`. They
import TensorFlow there, not at module level, so that the launcher and the
nodes that need no TensorFlow (counter, variable server) start in a fraction
of a second and stay small.
"""

import functools
import time
from typing import Any, Optional

import launchpad as lp

from agents.common import budget as budget_lib
from agents.common import environments
from agents.common import loggers
from agents.impala import config as config_lib
from programs import nodes

VARIABLE_NAMES = ('policy',)


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.IMPALAConfig,
               seed: int, greedy: bool = False) -> Any:
  """An actor for `environment` (batched); records unrolls if `replay`.

  It starts acting at once with the seeded initial weights (the learner's
  too) and takes the learner's variables as they arrive.
  """
  from agents import impala  # pylint: disable=g-import-not-at-top
  from agents.common import variable_client as variable_client_lib  # pylint: disable=g-import-not-at-top
  network = impala.make_network(environment.observation_shape,
                                environment.num_actions, config)
  variable_client = variable_client_lib.VariableClient(
      variable_source, {VARIABLE_NAMES[0]: network.variables},
      update_period=config.variable_update_period)
  writer = None
  if replay is not None:
    writer = impala.UnrollWriter(replay, impala.QUEUE_TABLE, should_stop)
  return impala.IMPALAActor(network, environment.num_envs, config, writer,
                            variable_client, seed=seed, greedy=greedy)


def make_learner(replay: Any, counter: Any, *,
                 config: config_lib.IMPALAConfig, environment_name: str,
                 logdir: Optional[str], start_time: float) -> Any:
  """The learner, reading batches of unrolls from the queue."""
  from acme import datasets  # pylint: disable=g-import-not-at-top
  from agents import impala  # pylint: disable=g-import-not-at-top
  spec = environments.environment_spec(environment_name)
  network = impala.make_network(spec['observation_shape'],
                                spec['num_actions'], config)
  # One reader thread: the default 12 compete with the actors for 2 cores.
  dataset = datasets.make_reverb_dataset(
      server_address=replay.server_address, batch_size=config.batch_size,
      table=impala.QUEUE_TABLE, num_parallel_calls=1, prefetch_size=1)
  remote_counter = nodes.RemoteCounter(counter)  # Stoppable (LearnerRunner).
  logger = loggers.NodeLogger('learner', logdir, start_time,
                              config.log_period_seconds,
                              step_key='learner_steps',
                              counts_fn=remote_counter.get_counts)
  return impala.IMPALALearner(network, iter(dataset), config,
                              counter=remote_counter, logger=logger)


def queue_tables(observation_shape: Any, num_actions: int,
                 config: config_lib.IMPALAConfig) -> Any:
  from agents.impala import unrolls  # pylint: disable=g-import-not-at-top
  return unrolls.queue_tables(observation_shape, num_actions, config)


def make_program(config: config_lib.IMPALAConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The IMPALA program graph; deploy it with any Launchpad launch type.

  Args:
    config: every hyperparameter.
    environment_name: see `agents.common.environments.known_names()`.
    num_actors: actor nodes, each running config.envs_per_actor environments.
    budget: when the program stops itself.
    logdir: CSV and TensorBoard files go here; None logs to the terminal only.
    start_time: `time.time()` at launch (the clock of every log row).

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  spec = environments.environment_spec(environment_name)
  if spec['num_actions'] is None:
    raise ValueError(f'IMPALA here takes discrete actions; environment '
                     f'{environment_name!r} has continuous ones.')
  start_time = time.time() if start_time is None else start_time
  program = lp.Program('impala')

  counter, replay, variable_server = nodes.add_learner_core(
      program, budget=budget, start_time=start_time,
      tables=functools.partial(queue_tables, spec['observation_shape'],
                               spec['num_actions'], config),
      make_learner=functools.partial(
          make_learner, config=config, environment_name=environment_name,
          logdir=logdir, start_time=start_time),
      variable_names=VARIABLE_NAMES,
      refresh_seconds=config.variable_refresh_seconds)

  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  nodes.add_actors(
      program,
      make_actors=[functools.partial(make_actor, config=config, seed=seed)
                   for seed in seeds[:-1]],
      seeds=seeds[:-1], environment_name=environment_name,
      num_envs=config.envs_per_actor, variable_source=variable_server,
      replays=[replay] * num_actors, counter=counter, logdir=logdir,
      start_time=start_time, log_period_seconds=config.log_period_seconds)
  nodes.add_evaluator(
      program,
      make_actor=functools.partial(make_actor, config=config, seed=seeds[-1],
                                   greedy=config.eval_greedy),
      seed=seeds[-1], environment_name=environment_name,
      num_episodes=config.eval_episodes, variable_source=variable_server,
      counter=counter, logdir=logdir, start_time=start_time,
      period_seconds=config.eval_period_seconds, budget=budget)
  return program
