"""DPG-R (Popov et al. 2017) as a Launchpad program: DPG with a replay
ratio, asynchronous workers (ADPG-R), and task design for sparse goals,
each a DPGRConfig switch.

Synchronous (asynchronous_workers off, the default):

  actor x N --transitions--> replay --R batches per env step--> learner
     ^                                                            |
     +------------ variable_server <-------- get_variables -------+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

Asynchronous workers (ADPG-R): worker i is actor i and learner i, with its
own replay (replay_sharing 'own') or one shared; each learner pushes the
gradients of both networks to their parameter-server shards, as Gorila's
learners do (`programs.gorila`), and pulls the parameters back:

  actor i --> replay i --> learner i --gradients--> policy shards x S
                                     <-parameters--  critic shards x S
  actors, evaluator <-- policy shards               counter <-- everyone

The replay ratio R is the tables' rate limiter: R x batch_size samples per
inserted transition (each environment step inserts one). With shaped_reward
or instructive starts the actors' environments take those task options
(reach_push); the evaluator always plays the real task. Node code:
`programs.nodes`; maths: `agents.dpg`; actors and learner factories:
`programs.apex_dpg`.
"""

import functools
import time
from typing import Any, Optional, Sequence

import launchpad as lp

from agents.common import environments
from agents.dpg import config as config_lib
from programs import apex_dpg
from programs.nodes import actor_runner
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import learner_runner
from programs.nodes import lifecycle
from programs.nodes import parameter_shard
from programs.nodes import replay as replay_lib
from programs.nodes import variable_server as variable_server_lib


def make_worker_learner(replay: Any, counter: Any,
                        policy_shards: Sequence[Any],
                        critic_shards: Sequence[Any], *,
                        config: config_lib.DPGRConfig, environment_name: str,
                        **logs: Any) -> Any:
  """An ADPG-R worker's learner: gradients to the shards."""
  from agents import dpg  # pylint: disable=g-import-not-at-top
  from agents.common import parameter_server  # pylint: disable=g-import-not-at-top
  from agents.dpg import learner as learner_lib  # pylint: disable=g-import-not-at-top
  return learner_lib.AsyncDPGLearner(
      policy_parameters=parameter_server.ShardedParameters(policy_shards),
      critic_parameters=parameter_server.ShardedParameters(critic_shards),
      **apex_dpg.learner_reporting(replay, counter, config=config, **logs),
      **dpg.learner_parts(replay, config=config,
                          environment_name=environment_name,
                          on_wait=lifecycle.check_stop))


def make_program(config: config_lib.DPGRConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The DPG-R program graph, for a local launch (threads or processes).

  Args: as `programs.impala.make_program`; with
    config.asynchronous_workers, num_actors is the number of workers.

  Raises:
    ValueError: bad environment or task options, num_actors < 1, discrete
      actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  spec = environments.check_continuous(environment_name, 'dpg_r')
  # Task options the task does not take are refused before launch.
  environments.validate_options(environment_name, config.environment_options)
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  logs = dict(logdir=logdir, start_time=start_time)
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  tables = functools.partial(apex_dpg.replay_tables, spec, config)
  program = lp.Program('dpg_r')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  if not config.asynchronous_workers:
    with program.group('replay'):
      replays = [program.add_node(replay_lib.build_replay(
          tables, checkpoint=saves))]
    with program.group('learner'):
      learner = program.add_node(learner_runner.build_learner(
          functools.partial(apex_dpg.make_learner, config=config,
                            environment_name=environment_name, **logs),
          checkpoint=saves, replay=replays[0], counter=counter))
    with program.group('variable_server'):
      variable_source = program.add_node(
          variable_server_lib.build_variable_server(
              learner, apex_dpg.VARIABLE_NAMES[:1],
              config.variable_refresh_seconds))
  else:
    own = config.replay_sharing == 'own'
    with program.group('replay'):
      replays = [program.add_node(replay_lib.build_replay(
          tables, checkpoint=saves, label=f'replay_{i}'))
                 for i in range(num_actors if own else 1)]
    with program.group('parameter_server'):
      shards = {
          network: [program.add_node(parameter_shard.build_parameter_shard(
              checkpoint=saves, label=f'parameter_server_{network}_{i}',
              optimizer='adam', learning_rate=learning_rate,
              max_staleness=config.max_staleness,
              optimizer_kwargs={'epsilon': config.adam_epsilon}))
                    for i in range(config.num_shards)]
          for network, learning_rate in (
              ('policy', config.policy_learning_rate),
              ('critic', config.critic_learning_rate))}
    with program.group('learner'):
      for i in range(num_actors):
        program.add_node(learner_runner.build_learner(
            functools.partial(make_worker_learner, config=config,
                              environment_name=environment_name,
                              log=i == 0, **logs),
            replay=replays[i % len(replays)], counter=counter,
            policy_shards=shards['policy'],
            critic_shards=shards['critic']))
    variable_source = shards['policy']
  with program.group('actor'):
    for i in range(num_actors):
      program.add_node(actor_runner.build_actor(
          functools.partial(apex_dpg.make_actor, config=config,
                            seed=seeds[i], noise_scale=config.noise_scale),
          environment_name=environment_name,
          num_envs=config.envs_per_actor, seed=seeds[i],
          variable_source=variable_source,
          replay=replays[i % len(replays)], counter=counter,
          log_period_seconds=config.log_period_seconds, log=i == 0,
          environment_options=config.environment_options, **logs))
  with program.group('evaluator'):
    program.add_node(evaluator_lib.build_evaluator(
        functools.partial(apex_dpg.make_actor, config=config, seed=seeds[-1],
                          noise_scale=0.0),
        environment_name=environment_name,
        num_episodes=config.eval_episodes, seed=seeds[-1],
        variable_source=variable_source, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
