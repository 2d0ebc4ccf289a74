"""A3C and A2C (Mnih et al. 2016) as a Launchpad program: workers send
gradients, not experience.

  worker x N --gradient of its t_max-step rollout--> parameter_server x S
     ^                                                     |
     +-------------------- new parameters -----------------+
  evaluator <-- parameter_server       counter (+ budget) <-- everyone

A3C (`--program=a3c`): each shard applies a gradient when it arrives, with
RMSProp statistics shared by all workers, and answers with the new
parameters; no barrier. A2C (`--program=a2c`, or `synchronous=True`): the
same nodes; each shard averages one gradient per worker and applies it once
per round, and the workers wait on the shards for the round. The first
shard counts updates as learner steps. Node code: `programs.nodes`; maths:
`agents.a3c`.

A2C with central inference (`--program=a2c --hparam=inference=central`,
Stooke & Abbeel 2018): the same loss, run by IMPALA's strategy instead of
gradient workers. TF-free environment workers, one action server, a queue
and a learner applying A2C's loss to batches of unrolls (optionally K
data-parallel replicas and an all_reduce node, `learner_replicas`):

  worker x N --observations--> action_server --unrolls--> replay (queue)
             <----actions-----       ^                        |
                               variable_server <-- learner x K <-+
  evaluator <-- variable_server / parameter_server
"""

import functools
import time
from typing import Any, Optional

import launchpad as lp

from agents.a3c import config as config_lib
from agents.common import environments
from agents.common import inference_modes
from agents.common import optimizers
from programs import impala as impala_program
from programs.nodes import action_server as action_server_lib
from programs.nodes import actor_runner
from programs.nodes import all_reduce as all_reduce_lib
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import env_worker
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import learner_runner
from programs.nodes import parameter_shard
from programs.nodes import replay as replay_lib
from programs.nodes import variable_server as variable_server_lib

VARIABLE_NAMES = ('policy',)


def make_worker(environment: Any, variable_source: Any, replay: Any = None,
                should_stop: Any = None, *, config: config_lib.A3CConfig,
                seed: int) -> Any:
  """A worker acting in `environment`; `variable_source` is the shards."""
  del replay  # Workers send gradients, not experience.
  from agents import a3c  # pylint: disable=g-import-not-at-top
  network = a3c.make_network(environment.observation_shape,
                             environment.num_actions, config)
  return a3c.make_worker(network, environment.num_envs, variable_source,
                         config, seed, should_stop or (lambda: False))


def make_evaluation_actor(environment: Any, variable_source: Any,
                          replay: Any = None, should_stop: Any = None, *,
                          config: config_lib.A3CConfig, seed: int) -> Any:
  """An actor that plays with the latest parameters of `variable_source`:
  the parameter server's shards, or (central inference) the variable
  server."""
  del replay, should_stop
  from agents import a3c  # pylint: disable=g-import-not-at-top
  from agents.common import variable_client as variable_client_lib  # pylint: disable=g-import-not-at-top
  network = a3c.make_network(environment.observation_shape,
                             environment.num_actions, config)
  variable_client = variable_client_lib.VariableClient(
      variable_source, {VARIABLE_NAMES[0]: network.variables})
  return a3c.make_evaluation_actor(network, environment.num_envs,
                                   variable_client, config, seed)


def make_learner(replay: Any, counter: Any = None, all_reduce: Any = None,
                 *, config: config_lib.A3CConfig, environment_name: str,
                 logdir: Optional[str], start_time: float,
                 replica: int = 0) -> Any:
  """A2C's learner under central inference (or replica `replica` of K),
  reading batches of unrolls from the queue."""
  from agents import a3c  # pylint: disable=g-import-not-at-top
  from programs.nodes import unroll_learners  # pylint: disable=g-import-not-at-top
  spec = environments.environment_spec(environment_name)
  network = a3c.make_network(spec['observation_shape'], spec['num_actions'],
                             config)
  return unroll_learners.make_learner(
      functools.partial(a3c.A2CLearner, network, config=config), replay,
      counter, all_reduce, batch_unrolls=config.batch_size, config=config,
      replica=replica, logdir=logdir, start_time=start_time)


def make_program(config: config_lib.A3CConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The A3C (or, with config.synchronous, A2C) program graph.

  Args: as `programs.impala.make_program`; `num_actors` is the number of
  workers.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  name = 'a2c' if config.synchronous else 'a3c'
  spec = environments.check_discrete(environment_name, name)
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  logs = dict(logdir=logdir, start_time=start_time)
  # Stateful nodes restore from and save to <logdir>/checkpoints.
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program(name)

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  if config.inference == 'central':
    # Each worker's environments in 1 or 2 slots of the action server.
    worker_slots = inference_modes.slot_sizes(config.envs_per_worker,
                                              config.central_sampling)
    with program.group('replay'):
      queue = program.add_node(replay_lib.build_replay(functools.partial(
          impala_program.queue_tables, spec['observation_shape'],
          spec['num_actions'], config)))
    all_reduce = None
    if config.learner_replicas > 1:
      with program.group('all_reduce'):
        all_reduce = program.add_node(
            all_reduce_lib.build_all_reduce(config.learner_replicas))
    with program.group('learner'):
      # Replica 0 counts, logs, saves and serves the variable server.
      learners = learner_runner.build_learners(
          functools.partial(make_learner, config=config,
                            environment_name=environment_name, **logs),
          replicas=config.learner_replicas, all_reduce=all_reduce,
          checkpoint=saves, replay=queue, counter=counter)
      learner, *_ = [program.add_node(node) for node in learners]
    with program.group('variable_server'):
      variables = program.add_node(variable_server_lib.build_variable_server(
          learner, VARIABLE_NAMES, config.variable_refresh_seconds))
    with program.group('action_server'):
      action_server = program.add_node(
          action_server_lib.build_action_server(
              functools.partial(impala_program.make_action_policy,
                                config=config,
                                environment_name=environment_name,
                                slot_envs=worker_slots * num_actors,
                                seed=seeds[0]),
              variable_source=variables, replay=queue,
              batch_slots=num_actors))
    with program.group('worker'):
      for node in env_worker.build_environment_workers(
          action_server=action_server, environment_name=environment_name,
          num_envs=config.envs_per_worker, seeds=seeds[:num_actors],
          sampling=config.central_sampling, counter=counter,
          log_period_seconds=config.log_period_seconds, **logs):
        program.add_node(node)
  else:
    with program.group('parameter_server'):
      variables = [program.add_node(parameter_shard.build_parameter_shard(
          counter=counter if i == 0 else None, checkpoint=saves,
          label=f'parameter_server_{i}', optimizer=config.optimizer,
          learning_rate=config.learning_rate,
          optimizer_kwargs=optimizers.options(config),
          synchronous_workers=num_actors if config.synchronous else None))
                   for i in range(config.num_shards)]
    with program.group('worker'):
      for i in range(num_actors):
        program.add_node(actor_runner.build_actor(
            functools.partial(make_worker, config=config, seed=seeds[i]),
            environment_name=environment_name,
            num_envs=config.envs_per_worker, seed=seeds[i],
            variable_source=variables, replay=None, counter=counter,
            log_period_seconds=config.log_period_seconds, log=i == 0,
            **logs))
  with program.group('evaluator'):
    program.add_node(evaluator_lib.build_evaluator(
        functools.partial(make_evaluation_actor, config=config,
                          seed=seeds[-1]),
        environment_name=environment_name,
        num_episodes=config.eval_episodes, seed=seeds[-1],
        variable_source=variables, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
