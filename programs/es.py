"""Evolution Strategies (Salimans et al. 2017) as a Launchpad program.

  worker x N --noise indices + returns (scalars) + obs. statistics--> master
     ^                                                                  |
     +------------- theta, observation mean/std (next iteration) ------+
  evaluator <-- master            counter (+ budget) <-- workers, master

The master is the `parameter_server` group: `agents.es.master.ESMaster`, a
parameter-server shard that takes returns instead of gradients. Iterations
are synchronous: the master steps once every worker has reported. No node
imports TensorFlow.

Wiring only; the runner loop below polls the master and counts.
"""

import functools
import time
from typing import Any, Optional

import launchpad as lp

from agents.common import budget as budget_lib
from agents.common import environments
from agents.common import loggers
from agents.es import config as config_lib
from agents.es import master as master_lib
from agents.es import policy as policy_lib
from programs import dqn
from programs import nodes

POLL_SECONDS = 0.005  # How often a worker asks for the next iteration.


def policy_shapes(environment_name: str, config: config_lib.ESConfig) -> Any:
  spec = environments.environment_spec(environment_name)
  size = 1
  for d in spec['observation_shape']:
    size *= d
  return policy_lib.layer_shapes(size, spec['num_actions'],
                                 config.hidden_sizes)


class MasterNode(master_lib.ESMaster):
  """The ES master as a node; counts each iteration as a learner step."""

  @nodes.guarded
  def __init__(self, counter: Any, environment_name: str,
               config: config_lib.ESConfig, num_workers: int):
    super().__init__(config, num_workers,
                     policy_shapes(environment_name, config))
    self._counter = nodes.RemoteCounter(nodes.StoppableClient(
        counter, lp.stop_event().is_set))

  def on_update(self) -> None:
    self._counter.increment(learner_steps=1)

  @nodes.guarded
  def run(self) -> None:
    lp.wait_for_stop()


class WorkerNode:
  """Runs an ES worker: next iteration's task, evaluate, report."""

  @nodes.guarded
  def __init__(self, master: Any, counter: Any, environment_name: str,
               config: config_lib.ESConfig, seed: int,
               logdir: Optional[str], start_time: float, log: bool):
    from agents.es import worker as worker_lib  # pylint: disable=g-import-not-at-top
    should_stop = lp.stop_event().is_set
    self._master = nodes.StoppableClient(master, should_stop)
    self._counter = nodes.RemoteCounter(nodes.StoppableClient(counter,
                                                              should_stop))
    self._worker = worker_lib.ESWorker(environment_name, config, seed)
    self._logger = None
    if log:
      self._logger = loggers.NodeLogger(
          'worker', logdir, start_time, config.log_period_seconds,
          counts_fn=self._counter.get_counts)

  @nodes.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    last = -1
    while not stop.is_set():
      version, theta, mean, std = self._master.get_task()
      if version == last:  # The others have not reported yet.
        stop.wait(POLL_SECONDS)
        continue
      payload, figures = self._worker.evaluate(theta, mean, std,
                                               stop.is_set)
      if stop.is_set():
        break
      self._master.report(version, payload)
      last = version
      self._counter.increment(actor_steps=figures['steps'],
                              episodes=figures['episodes'])
      if self._logger is not None:
        self._logger.write(figures)
    if self._logger is not None:
      self._logger.close()


def make_evaluation_actor(environment: Any, variable_source: Any,
                          replay: Any = None, should_stop: Any = None, *,
                          config: config_lib.ESConfig,
                          environment_name: str) -> Any:
  del replay, should_stop
  from agents.es import worker as worker_lib  # pylint: disable=g-import-not-at-top
  return worker_lib.ESEvaluationActor(
      policy_shapes(environment_name, config), environment.num_envs,
      variable_source, config)


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
  dqn.check_discrete(environment_name, 'es')
  start_time = time.time() if start_time is None else start_time
  program = lp.Program('es')
  counter = nodes.add_counter(program, budget, start_time)
  with program.group('parameter_server'):
    master = nodes.bounded(program.add_node(lp.CourierNode(
        MasterNode, counter=counter, environment_name=environment_name,
        config=config, num_workers=num_actors)))
  with program.group('worker'):
    for i in range(num_actors):
      program.add_node(lp.PyClassNode(
          WorkerNode, master=master, counter=counter,
          environment_name=environment_name, config=config,
          seed=environments.actor_seed(config.seed, i), logdir=logdir,
          start_time=start_time, log=i == 0))
  seed = environments.actor_seed(config.seed, num_actors)
  nodes.add_evaluator(
      program,
      make_actor=functools.partial(make_evaluation_actor, config=config,
                                   environment_name=environment_name),
      seed=seed, environment_name=environment_name,
      num_episodes=config.eval_episodes, variable_source=master,
      counter=counter, logdir=logdir, start_time=start_time,
      period_seconds=config.eval_period_seconds, budget=budget)
  return program
