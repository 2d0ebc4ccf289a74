"""Ape-X (Horgan et al. 2018) as a Launchpad program.

  actor x N --transitions + initial priorities--> replay (prioritized)
     ^  (actor i explores with eps_i)                 |        ^
     |                                    batches     v        | priorities
     |                                            learner -----+
     +-------------- variable_server <--- get_variables ---+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

The DQN graph with prioritized replay (ApexConfig): actor i of N explores
with epsilon ** (1 + alpha i / (N - 1)), computes the initial priorities of
its transitions with its own copy of the network and inserts them in
batches; the learner samples with importance weights and writes new
priorities back; actors refresh parameters every variable_update_period
environment steps. The node factories are the DQN family's
(`programs.dqn`); node code: `programs.nodes`; maths: `agents.dqn`.
"""

import functools
import time
from typing import Optional

import launchpad as lp

from agents.common import environments
from agents.dqn import config as config_lib
from agents.dqn import exploration
from programs import dqn
from programs.nodes import actor_runner
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import learner_runner
from programs.nodes import replay as replay_lib
from programs.nodes import variable_server as variable_server_lib


def make_program(config: config_lib.ApexConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The Ape-X program graph, for a local launch (threads or processes).

  Args: as `programs.impala.make_program`.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  spec = environments.check_discrete(environment_name, 'apex')
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  epsilons = exploration.apex_epsilons(num_actors, config.epsilon,
                                       config.epsilon_alpha)
  logs = dict(logdir=logdir, start_time=start_time)
  # Stateful nodes restore from and save to <logdir>/checkpoints.
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program('apex')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  with program.group('replay'):
    replay = program.add_node(replay_lib.build_replay(functools.partial(
        dqn.replay_tables, spec['observation_shape'], config),
        checkpoint=saves))
  with program.group('learner'):
    learner = program.add_node(learner_runner.build_learner(
        functools.partial(dqn.make_learner, config=config,
                          environment_name=environment_name, **logs),
        checkpoint=saves, replay=replay, counter=counter))
  with program.group('variable_server'):
    variable_server = program.add_node(
        variable_server_lib.build_variable_server(
            learner, dqn.VARIABLE_NAMES, config.variable_refresh_seconds))
  with program.group('actor'):
    for i in range(num_actors):
      program.add_node(actor_runner.build_actor(
          functools.partial(dqn.make_actor, config=config, seed=seeds[i],
                            epsilon=epsilons[i]),
          environment_name=environment_name,
          num_envs=config.envs_per_actor, seed=seeds[i],
          variable_source=variable_server, replay=replay, counter=counter,
          log_period_seconds=config.log_period_seconds, log=i == 0, **logs))
  with program.group('evaluator'):
    program.add_node(evaluator_lib.build_evaluator(
        functools.partial(dqn.make_actor, config=config, seed=seeds[-1],
                          epsilon=config.eval_epsilon),
        environment_name=environment_name,
        num_episodes=config.eval_episodes, seed=seeds[-1],
        variable_source=variable_server, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
