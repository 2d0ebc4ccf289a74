"""DQN (Mnih et al. 2015) as a Launchpad program; its node factories serve
the whole replay family (Ape-X, R2D2, Gorila).

  actor x N --n-step transitions--> replay (Reverb table) --batches--> learner
     ^                                                                  |
     +-------------- variable_server <------ get_variables -------------+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

The 2015 baseline is one actor with a linearly decaying epsilon and a
uniform table with a minimum size and a samples-per-insert rate limiter
(`--num_actors=1`); more actors each decay their own epsilon.

The factories run in their node's process and import TensorFlow there (see
`programs.impala`). Node code: `programs.nodes`; maths: `agents.dqn`.
"""

import functools
import time
from typing import Any, Dict, Optional, Union

import launchpad as lp

from agents.common import environments
from agents.dqn import config as config_lib
from agents.dqn import exploration
from programs.nodes import actor_runner
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import learner_runner
from programs.nodes import lifecycle
from programs.nodes import replay as replay_lib
from programs.nodes import loggers
from programs.nodes import variable_server as variable_server_lib

VARIABLE_NAMES = ('network',)  # agents.dqn.VARIABLE_NAMES, without TF.


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.DQNConfig,
               seed: int, epsilon: Union[float, str]) -> Any:
  """A DQN-family actor for `environment`; records transitions if `replay`.

  `epsilon`: a fixed rate, or exploration.LINEAR (config's decay).
  """
  from agents import dqn  # pylint: disable=g-import-not-at-top
  return dqn.DQNActor(
      num_envs=environment.num_envs, config=config, seed=seed,
      environment=environment,
      **dqn.actor_parts(dqn, environment, variable_source, replay,
                        should_stop, config=config, epsilon=epsilon))


def learner_kwargs(agent: Any, replay: Any, counter: Any, *,
                   config: config_lib.DQNConfig, environment_name: str,
                   logdir: Optional[str], start_time: float,
                   log: bool = True) -> Dict[str, Any]:
  """What a replay-family learner of `agent` (agents.dqn, agents.r2d2) takes:
  its parts (networks, dataset, priority writer), the counter and, if
  `log`, a logger with the table's rates."""
  from agents.dqn import parts  # pylint: disable=g-import-not-at-top
  counter = counter_lib.CounterClient(counter)
  logger = None
  if log:
    logger = loggers.learner_logger(
        counter, logdir=logdir, start_time=start_time,
        period_seconds=config.log_period_seconds, replay=replay,
        table=agent.REPLAY_TABLE)
  return dict(counter=counter, logger=logger,
              **parts.learner_parts(agent, replay, config=config,
                                    environment_name=environment_name,
                                    on_wait=lifecycle.check_stop))


def make_learner(replay: Any, counter: Any, **kwargs: Any) -> Any:
  """The DQN/Ape-X learner, sampling from the replay table."""
  from agents import dqn  # pylint: disable=g-import-not-at-top
  return dqn.DQNLearner(**learner_kwargs(dqn, replay, counter, **kwargs))


def replay_tables(observation_shape: Any,
                  config: config_lib.DQNConfig) -> Any:
  from agents.dqn import transitions  # pylint: disable=g-import-not-at-top
  return [transitions.replay_table(observation_shape, config)]


def make_program(config: config_lib.DQNConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The DQN program graph, for a local launch (threads or processes).

  Args: as `programs.impala.make_program`; every actor decays its own
  epsilon linearly (config.epsilon_start -> epsilon_end).

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  spec = environments.check_discrete(environment_name, 'dqn')
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  logs = dict(logdir=logdir, start_time=start_time)
  # Stateful nodes restore from and save to <logdir>/checkpoints.
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program('dqn')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  with program.group('replay'):
    replay = program.add_node(replay_lib.build_replay(functools.partial(
        replay_tables, spec['observation_shape'], config), checkpoint=saves))
  with program.group('learner'):
    learner = program.add_node(learner_runner.build_learner(
        functools.partial(make_learner, config=config,
                          environment_name=environment_name, **logs),
        checkpoint=saves, replay=replay, counter=counter))
  with program.group('variable_server'):
    variable_server = program.add_node(
        variable_server_lib.build_variable_server(
            learner, VARIABLE_NAMES, config.variable_refresh_seconds))
  with program.group('actor'):
    for i in range(num_actors):
      program.add_node(actor_runner.build_actor(
          functools.partial(make_actor, config=config, seed=seeds[i],
                            epsilon=exploration.LINEAR),
          environment_name=environment_name,
          num_envs=config.envs_per_actor, seed=seeds[i],
          variable_source=variable_server, replay=replay, counter=counter,
          log_period_seconds=config.log_period_seconds, log=i == 0, **logs))
  with program.group('evaluator'):
    program.add_node(evaluator_lib.build_evaluator(
        functools.partial(make_actor, config=config, seed=seeds[-1],
                          epsilon=config.eval_epsilon),
        environment_name=environment_name,
        num_episodes=config.eval_episodes, seed=seeds[-1],
        variable_source=variable_server, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
