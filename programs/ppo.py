"""PPO (Schulman et al. 2017) as a Launchpad program, sampling synchronously
(`--program=ppo`) or asynchronously (`--program=appo`), as Stooke & Abbeel
2018 compare them.

  actor x N --unrolls--> replay (FIFO queue) --batch--> learner
     ^   (ppo: waits for the next policy)                  |
     +----- policy: learner (ppo) / variable_server (appo) -+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

The graph is IMPALA's, node for node: the same unroll actors, queue items
and node builders; what differs is the learner (epochs of clipped-surrogate
minibatches, `agents.ppo`) and, in synchronous mode, where actors read the
policy: from the learner itself, waiting after each unroll for the policy
made from it, so each batch holds one unroll per environment, all sampled
by the current policy. Node code: `programs.nodes`; maths: `agents.ppo`.

`learner_replicas=K` (appo): K data-parallel learner replicas and an
all_reduce node, as in `programs.impala`; every minibatch's gradients are
averaged.

APPO takes IMPALA's central inference too (`inference='central'`: TF-free
environment workers and an action server, see `programs.impala`).
"""

import functools
import time
from typing import Any, Optional

import launchpad as lp

from agents.common import environments
from agents.common import inference_modes
from agents.ppo import config as config_lib
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
from programs.nodes import replay as replay_lib
from programs.nodes import variable_server as variable_server_lib

VARIABLE_NAMES = ('policy',)  # agents.ppo.learner.POLICY


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.PPOConfig,
               seed: int, greedy: bool = False) -> Any:
  """A batched PPO actor for `environment`; records unrolls if `replay`."""
  from agents import ppo  # pylint: disable=g-import-not-at-top
  network = ppo.make_network(environment.observation_shape,
                             environment.num_actions, config)
  return ppo.make_actor(network, environment.num_envs, config,
                        variable_source, replay,
                        should_stop or (lambda: False), seed=seed,
                        greedy=greedy)


def make_learner(replay: Any, counter: Any = None, all_reduce: Any = None,
                 *, config: config_lib.PPOConfig, batch_unrolls: int,
                 environment_name: str, logdir: Optional[str],
                 start_time: float, replica: int = 0) -> Any:
  """The learner (or data-parallel replica `replica` of K, which reads
  batch_unrolls / K unrolls), iterating on batches of `batch_unrolls`."""
  from agents import ppo  # pylint: disable=g-import-not-at-top
  from programs.nodes import unroll_learners  # pylint: disable=g-import-not-at-top
  spec = environments.environment_spec(environment_name)
  network = ppo.make_network(spec['observation_shape'], spec['num_actions'],
                             config)
  return unroll_learners.make_learner(
      functools.partial(ppo.PPOLearner, network, config=config,
                        batch_unrolls=batch_unrolls),
      replay, counter, all_reduce, batch_unrolls=batch_unrolls,
      config=config, replica=replica, logdir=logdir, start_time=start_time)


def queue_tables(observation_shape: Any, num_actions: int,
                 config: config_lib.PPOConfig, max_size: int) -> Any:
  from agents.common import unrolls  # pylint: disable=g-import-not-at-top
  return unrolls.queue_tables(observation_shape, num_actions, config,
                              max_size)


def make_program(config: config_lib.PPOConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The PPO (config.synchronous) or APPO program graph.

  Args: as `programs.impala.make_program`.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions, a batch
      that does not split into config.num_minibatches.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  name = 'ppo' if config.synchronous else 'appo'
  spec = environments.check_discrete(environment_name, name)
  batch_unrolls = config.iteration_unrolls(num_actors)
  if batch_unrolls % (config.num_minibatches * config.learner_replicas):
    raise ValueError(
        f'{name}: {batch_unrolls} unrolls per iteration (' + (
            f'{num_actors} actors x envs_per_actor={config.envs_per_actor}'
            if config.synchronous else 'batch_size') +
        f') do not split into num_minibatches={config.num_minibatches}'
        + (f' for each of learner_replicas={config.learner_replicas}'
           if config.learner_replicas > 1 else '') + '.')
  if config.synchronous and config.learner_replicas > 1:
    raise ValueError(
        'ppo: learner_replicas > 1 learns from asynchronous sampling only '
        '(appo): the queue holds exactly one round, and each replica\'s '
        'reader, taking samples ahead, could take another\'s share.')
  if config.synchronous and config.inference == 'central':
    raise ValueError(
        "ppo: inference='central' samples asynchronously only (appo): the "
        "action server does not wait for the learner's next policy.")
  # Synchronous: the queue holds one round, one unroll per environment.
  queue_size = batch_unrolls if config.synchronous else config.queue_size
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
  program = lp.Program(name)

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  with program.group('replay'):
    queue = program.add_node(replay_lib.build_replay(functools.partial(
        queue_tables, spec['observation_shape'], spec['num_actions'],
        config, queue_size)))
  all_reduce = None
  if config.learner_replicas > 1:
    with program.group('all_reduce'):
      all_reduce = program.add_node(
          all_reduce_lib.build_all_reduce(config.learner_replicas))
  with program.group('learner'):
    # Replica 0 counts, logs, saves and serves the policy.
    learners = learner_runner.build_learners(
        functools.partial(make_learner, config=config,
                          batch_unrolls=batch_unrolls,
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
              functools.partial(impala_program.make_action_policy,
                                config=config,
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
            variable_source=learner if config.synchronous else variable_server,
            replay=queue, counter=counter,
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
