"""IMPALA (Espeholt et al. 2018, Figure 1, left) as a Launchpad program.

  actor x N --unrolls--> replay (FIFO queue) --batches--> learner
     ^                                                       |
     +------- variable_server <------ get_variables ---------+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

With `inference='central'` the actors are TF-free environment workers and
one action server computes every action (Stooke & Abbeel 2018, SEED RL):

  actor x N --observations--> action_server --unrolls--> replay ...
            <----actions-----        ^-- variable_server

With `learner_replicas=K` > 1 the learner is K data-parallel replicas
(Stooke & Abbeel's multi-GPU learner), each on batch_size / K unrolls,
their gradients averaged by an `all_reduce` node before every update:

  replay --slices--> learner x K <--mean gradient--> all_reduce

The factories are module-level so Launchpad can pickle them; each runs in
its node's process and imports TensorFlow there, so that the launcher and
the nodes that need none (counter, variable server) start in a fraction of
a second and stay small. Node code: `programs.nodes`; maths: `agents.impala`.
"""

import functools
import time
from typing import Any, Optional

import launchpad as lp

from agents.common import environments
from agents.common import inference_modes
from agents.impala import config as config_lib
from programs.nodes import action_server as action_server_lib
from programs.nodes import actor_runner
from programs.nodes import all_reduce as all_reduce_lib
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import env_worker
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import learner_runner
from programs.nodes import replay as replay_lib
from programs.nodes import variable_server as variable_server_lib

VARIABLE_NAMES = ('policy',)


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.IMPALAConfig,
               seed: int, greedy: bool = False) -> Any:
  """A batched actor for `environment`; records unrolls if `replay`.

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
  return impala.UnrollActor(network, environment.num_envs, config, writer,
                            variable_client, seed=seed, greedy=greedy)


def make_action_policy(variable_source: Any, replay: Any, should_stop: Any,
                       *, config: config_lib.IMPALAConfig,
                       environment_name: str, slot_envs: Any,
                       seed: int) -> Any:
  """The action server's batched policy, writing each slot's unrolls."""
  from agents.common import central_inference  # pylint: disable=g-import-not-at-top
  spec = environments.environment_spec(environment_name)
  return central_inference.make_central_policy(
      variable_source, replay, should_stop,
      observation_shape=spec['observation_shape'],
      num_actions=spec['num_actions'], slot_envs=slot_envs, config=config,
      seed=seed)


def make_learner(replay: Any, counter: Any = None, all_reduce: Any = None,
                 *, config: config_lib.IMPALAConfig, environment_name: str,
                 logdir: Optional[str], start_time: float,
                 replica: int = 0) -> Any:
  """The learner (or data-parallel replica `replica`), reading batches of
  unrolls from the queue; `programs.nodes.unroll_learners`."""
  from agents import impala  # pylint: disable=g-import-not-at-top
  from programs.nodes import unroll_learners  # pylint: disable=g-import-not-at-top
  spec = environments.environment_spec(environment_name)
  network = impala.make_network(spec['observation_shape'],
                                spec['num_actions'], config)
  return unroll_learners.make_learner(
      functools.partial(impala.IMPALALearner, network, config=config),
      replay, counter, all_reduce, batch_unrolls=config.batch_size,
      config=config, replica=replica, logdir=logdir, start_time=start_time)


def queue_tables(observation_shape: Any, num_actions: int,
                 config: config_lib.IMPALAConfig) -> Any:
  from agents.common import unrolls  # pylint: disable=g-import-not-at-top
  return unrolls.queue_tables(observation_shape, num_actions, config)


def make_program(config: config_lib.IMPALAConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The IMPALA program graph, for a local launch (threads or processes).

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
  spec = environments.check_discrete(environment_name, 'impala')
  start_time = time.time() if start_time is None else start_time
  # Actor i seeds from (config.seed, i); the evaluator comes after them.
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]
  logs = dict(logdir=logdir, start_time=start_time)
  # Central inference: each worker's environments in 1 or 2 slots.
  worker_slots = inference_modes.slot_sizes(config.envs_per_actor,
                                            config.central_sampling)
  # Stateful nodes restore from and save to <logdir>/checkpoints.
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program('impala')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  with program.group('replay'):
    queue = program.add_node(replay_lib.build_replay(functools.partial(
        queue_tables, spec['observation_shape'], spec['num_actions'],
        config)))
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
    variable_server = program.add_node(
        variable_server_lib.build_variable_server(
            learner, VARIABLE_NAMES, config.variable_refresh_seconds))
  if config.inference == 'central':
    with program.group('action_server'):
      action_server = program.add_node(
          action_server_lib.build_action_server(
              functools.partial(make_action_policy, config=config,
                                environment_name=environment_name,
                                slot_envs=worker_slots * num_actors,
                                seed=seeds[0]),
              variable_source=variable_server, replay=queue,
              batch_slots=num_actors))
    with program.group('actor'):
      for node in env_worker.build_environment_workers(
          action_server=action_server, environment_name=environment_name,
          num_envs=config.envs_per_actor, seeds=seeds[:num_actors],
          sampling=config.central_sampling, counter=counter,
          log_period_seconds=config.log_period_seconds, **logs):
        program.add_node(node)
  else:
    with program.group('actor'):
      for i in range(num_actors):
        program.add_node(actor_runner.build_actor(
            functools.partial(make_actor, config=config, seed=seeds[i]),
            environment_name=environment_name,
            num_envs=config.envs_per_actor, seed=seeds[i],
            variable_source=variable_server, replay=queue, counter=counter,
            log_period_seconds=config.log_period_seconds, log=i == 0, **logs))
  with program.group('evaluator'):
    program.add_node(evaluator_lib.build_evaluator(
        functools.partial(make_actor, config=config, seed=seeds[-1],
                          greedy=config.eval_greedy),
        environment_name=environment_name,
        num_episodes=config.eval_episodes, seed=seeds[-1],
        variable_source=variable_server, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
