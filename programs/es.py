"""Evolution Strategies (Salimans et al. 2017) as a Launchpad program.

  worker x N --noise indices + returns (scalars) + obs. statistics--> master
     ^                                                                  |
     +------------- theta, observation mean/std (next iteration) ------+
  evaluator <-- master            counter (+ budget) <-- workers, master

The master is the `parameter_server` group: `agents.es.master.ESMaster`, a
parameter-server shard that takes returns instead of gradients. Iterations
are synchronous: the master steps once every worker has reported, and each
worker waits on the master for the next iteration. No node imports
TensorFlow (except to log to TensorBoard, with a logdir). Node code:
`programs.nodes`; maths: `agents.es`.
"""

import functools
import time
from typing import Any, Optional

import launchpad as lp

from agents.common import environments
from agents.es import config as config_lib
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import es_worker
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import parameter_shard


def make_evaluation_actor(environment: Any, variable_source: Any,
                          replay: Any = None, should_stop: Any = None, *,
                          config: config_lib.ESConfig,
                          environment_name: str) -> Any:
  """A batched actor playing the master's theta (no perturbation)."""
  del replay, should_stop
  from agents.es import policy as policy_lib  # pylint: disable=g-import-not-at-top
  from agents.es import worker as worker_lib  # pylint: disable=g-import-not-at-top
  return worker_lib.ESEvaluationActor(
      policy_lib.environment_layer_shapes(environment_name, config),
      environment.num_envs, variable_source, config)


def make_program(config: config_lib.ESConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The ES program graph; `num_actors` workers.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  environments.check_discrete(environment_name, 'es')
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  logs = dict(logdir=logdir, start_time=start_time)
  # Stateful nodes restore from and save to <logdir>/checkpoints.
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program('es')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  with program.group('parameter_server'):
    master = program.add_node(parameter_shard.build_es_master(
        counter, environment_name, config, num_workers=num_actors,
        checkpoint=saves))
  with program.group('worker'):
    for i in range(num_actors):
      program.add_node(es_worker.build_es_worker(
          master=master, counter=counter, environment_name=environment_name,
          config=config, seed=seeds[i], log=i == 0, **logs))
  with program.group('evaluator'):
    program.add_node(evaluator_lib.build_evaluator(
        functools.partial(make_evaluation_actor, config=config,
                          environment_name=environment_name),
        environment_name=environment_name,
        num_episodes=config.eval_episodes, seed=seeds[-1],
        variable_source=master, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
