"""Gorila (Nair et al. 2015) as a Launchpad program.

  actor x N --transitions--> replay (one shared table, or one per bundle)
                                  |
  learner x M <---- batches ------+    each with its own target network
     | gradients        ^ parameters (every parameter_pull_period updates;
     v                  |             target every target_update_period)
  parameter_server x S shards (apply asynchronously, drop stale gradients)
     | parameters
     v
  actors (every variable_update_period env steps), evaluator
  counter (+ budget) <-- everyone

'bundled' replay mode: actor i, replay i and learner i form a bundle (the
paper's bundled mode, which keeps experience local to one machine); it needs
num_learners == num_actors. Actors and the evaluator are the DQN family's
(`programs.dqn`); node code: `programs.nodes`; maths: `agents.dqn`.
"""

import functools
import time
from typing import Any, Optional, Sequence

import launchpad as lp

from agents.common import environments
from agents.common import optimizers
from agents.dqn import config as config_lib
from agents.dqn import exploration
from programs import dqn
from programs.nodes import actor_runner
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import learner_runner
from programs.nodes import parameter_shard
from programs.nodes import replay as replay_lib


def make_learner(replay: Any, counter: Any, shards: Sequence[Any],
                 **kwargs: Any) -> Any:
  """A Gorila learner sampling `replay` and pushing to `shards`."""
  from agents import dqn as dqn_agent  # pylint: disable=g-import-not-at-top
  from agents.common import parameter_server  # pylint: disable=g-import-not-at-top
  return dqn_agent.GorilaLearner(
      parameters=parameter_server.ShardedParameters(shards),
      **dqn.learner_kwargs(dqn_agent, replay, counter, **kwargs))


def make_program(config: config_lib.GorilaConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The Gorila program graph, for a local launch (threads or processes).

  Args: as `programs.impala.make_program`; config.num_learners learners and
  config.num_shards parameter-server shards.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions, or
      bundled replay with num_learners != num_actors.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  bundled = config.replay_mode == 'bundled'
  if bundled and config.num_learners != num_actors:
    raise ValueError(
        f'GorilaConfig.replay_mode=bundled pairs actors and learners: '
        f'num_learners={config.num_learners} must equal num_actors='
        f'{num_actors}.')
  spec = environments.check_discrete(environment_name, 'gorila')
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  logs = dict(logdir=logdir, start_time=start_time)
  # Stateful nodes restore from and save to <logdir>/checkpoints.
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program('gorila')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  with program.group('replay'):
    replays = [program.add_node(replay_lib.build_replay(functools.partial(
        dqn.replay_tables, spec['observation_shape'], config),
        checkpoint=saves, label=f'replay_{i}'))
               for i in range(num_actors if bundled else 1)]
  with program.group('parameter_server'):
    shards = [program.add_node(parameter_shard.build_parameter_shard(
        checkpoint=saves, label=f'parameter_server_{i}',
        optimizer=config.optimizer, learning_rate=config.learning_rate,
        max_staleness=config.max_staleness,
        optimizer_kwargs=optimizers.options(config)))
              for i in range(config.num_shards)]
  with program.group('learner'):
    for i in range(config.num_learners):
      program.add_node(learner_runner.build_learner(
          functools.partial(make_learner, config=config,
                            environment_name=environment_name, log=i == 0,
                            **logs),
          replay=replays[i % len(replays)], counter=counter, shards=shards))
  with program.group('actor'):
    for i in range(num_actors):
      program.add_node(actor_runner.build_actor(
          functools.partial(dqn.make_actor, config=config, seed=seeds[i],
                            epsilon=exploration.LINEAR),
          environment_name=environment_name,
          num_envs=config.envs_per_actor, seed=seeds[i],
          variable_source=shards, replay=replays[i % len(replays)],
          counter=counter, log_period_seconds=config.log_period_seconds,
          log=i == 0, **logs))
  with program.group('evaluator'):
    program.add_node(evaluator_lib.build_evaluator(
        functools.partial(dqn.make_actor, config=config, seed=seeds[-1],
                          epsilon=config.eval_epsilon),
        environment_name=environment_name,
        num_episodes=config.eval_episodes, seed=seeds[-1],
        variable_source=shards, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
