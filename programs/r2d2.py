"""R2D2 (Kapturowski et al. 2019) as a Launchpad program.

  actor x N --sequences + stored LSTM state + priorities--> replay
     ^  (actor i explores with eps_i, the Ape-X ladder)     |      ^
     |                                           batches    v      | sequence
     |                                                  learner ---+ priorities
     +-------------- variable_server <--- get_variables ---+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

Ape-X's graph where what flows is sequences instead of transitions; the
learner burns in from the stored state and learns n-step double Q on
h-rescaled values. Node code: `programs.nodes`; maths: `agents.r2d2`.
"""

import functools
import time
from typing import Any, Optional, Union

import launchpad as lp

from agents.common import environments
from agents.dqn import exploration
from agents.r2d2 import config as config_lib
from programs import dqn
from programs.nodes import actor_runner
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import learner_runner
from programs.nodes import replay as replay_lib
from programs.nodes import variable_server as variable_server_lib


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.R2D2Config,
               seed: int, epsilon: Union[float, str]) -> Any:
  """An R2D2 actor for `environment`; records sequences if `replay`."""
  from agents import r2d2  # pylint: disable=g-import-not-at-top
  from agents.dqn import parts  # pylint: disable=g-import-not-at-top
  return r2d2.R2D2Actor(
      num_envs=environment.num_envs, config=config, seed=seed,
      **parts.actor_parts(r2d2, environment, variable_source, replay,
                          should_stop, config=config, epsilon=epsilon))


def make_learner(replay: Any, counter: Any, **kwargs: Any) -> Any:
  """The R2D2 learner, sampling sequences from the replay table."""
  from agents import r2d2  # pylint: disable=g-import-not-at-top
  return r2d2.R2D2Learner(**dqn.learner_kwargs(r2d2, replay, counter,
                                               **kwargs))


def replay_tables(observation_shape: Any,
                  config: config_lib.R2D2Config) -> Any:
  from agents.r2d2 import sequences  # pylint: disable=g-import-not-at-top
  return [sequences.replay_table(observation_shape, config)]


def make_program(config: config_lib.R2D2Config, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The R2D2 program graph, for a local launch (threads or processes).

  Args: as `programs.impala.make_program`.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  spec = environments.check_discrete(environment_name, 'r2d2')
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  epsilons = exploration.apex_epsilons(num_actors, config.epsilon,
                                       config.epsilon_alpha)
  logs = dict(logdir=logdir, start_time=start_time)
  # Stateful nodes restore from and save to <logdir>/checkpoints.
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program('r2d2')

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
            learner, dqn.VARIABLE_NAMES, config.variable_refresh_seconds))
  with program.group('actor'):
    for i in range(num_actors):
      program.add_node(actor_runner.build_actor(
          functools.partial(make_actor, config=config, seed=seeds[i],
                            epsilon=epsilons[i]),
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
