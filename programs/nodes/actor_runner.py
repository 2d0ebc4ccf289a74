"""The `actor` (and A3C's `worker`) node: an agent's batched actor on its
own batched environment, stepped until the program stops; counts its steps
and, for one actor per program, logs them with the episode returns."""

import time
from typing import Any, Callable, Dict, Optional

import launchpad as lp

from agents.common import batched_environments
from programs.nodes import counter as counter_lib
from programs.nodes import lifecycle
from programs.nodes import loggers
from programs.nodes import variable_server

# make_actor(environment=, variable_source=, replay=, should_stop=) -> a
# batched actor (select_action, observe_first, observe, update); a picklable
# module-level function or partial of the agent's program.
ActorFactory = Callable[..., Any]


def run_batched_loop(actor: Any,
                     environment: batched_environments.BatchedEnvironment,
                     should_stop: Callable[[], bool],
                     on_steps: Callable[[int], None] = lambda n: None) -> None:
  """Steps `environment` with `actor` until `should_stop()`.

  Args:
    actor: a batched actor: one policy call per batched step.
    environment: the batch the actor serves.
    should_stop: polled once per batched step.
    on_steps: called with the number of environment steps taken (B) after
      every batched step; counting and logging hook.
  """
  observation = environment.reset()
  actor.observe_first(observation)
  while not should_stop():
    action = actor.select_action(observation)
    next_step = environment.step(action)
    actor.observe(action, next_step)
    actor.update()
    observation = next_step[0]
    on_steps(environment.num_envs)


class StepReport:
  """Counts an actor's environment steps into the counter and, if it has a
  logger, logs them with the finished episodes' mean return; called with
  the number of steps after every batched step."""

  def __init__(self, counter: counter_lib.CounterClient,
               logger: Optional[loggers.NodeLogger], *environments: Any):
    self._counter = counter
    self._logger = logger
    self._environments = environments
    self._total = 0
    self._uncounted = 0
    self._started = time.time()
    self._last_count = self._started

  def __call__(self, n: int) -> None:
    self._total += n
    self._uncounted += n
    now = time.time()
    # One counter RPC per ~1000 steps or second, not per step.
    if self._uncounted < 1000 and now - self._last_count < 1.0:
      return
    self._counter.increment(actor_steps=self._uncounted)
    self._uncounted = 0
    self._last_count = now
    # Drained by every actor, logged by one: undrained it would grow by one
    # float per episode for the whole run.
    episode_returns = [r for e in self._environments
                       for r in e.completed_returns()]
    if self._logger is None:
      return
    values = {'actor_steps_local': self._total,
              'actor_steps_per_s_local': self._total / (now - self._started)}
    if episode_returns:
      values['episode_return'] = sum(episode_returns) / len(episode_returns)
    self._logger.write(values)

  def close(self) -> None:
    if self._logger is not None:
      self._logger.close()


class ActorRunner:
  """Runs a batched actor on its environments until the program stops."""

  @lifecycle.guarded
  def __init__(self, make_actor: ActorFactory, environment_name: str,
               num_envs: int, seed: int, variable_source: Any,
               replay: Any, counter: Any, logdir: Optional[str],
               start_time: float, log_period_seconds: float,
               log: bool,
               environment_options: Optional[Dict[str, Any]] = None):
    self._make_actor = make_actor
    self._environment_name = environment_name
    self._environment_options = environment_options
    self._num_envs = num_envs
    self._seed = seed
    self._variable_source = variable_server.variable_source(variable_source)
    self._replay = replay
    self._counter = counter_lib.CounterClient(
        lifecycle.StoppableClient(counter))
    self._logger = None
    if log:  # One actor logs for all; the others only count.
      self._logger = loggers.NodeLogger(
          'actor', logdir, start_time, log_period_seconds,
          counts_fn=self._counter.get_counts)
    self._start_time = start_time

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    environment = batched_environments.make_batched_environment(
        self._environment_name, self._num_envs, self._seed,
        self._environment_options)
    actor = self._make_actor(
        environment=environment, variable_source=self._variable_source,
        replay=self._replay, should_stop=stop.is_set)
    report = StepReport(self._counter, self._logger, environment)
    print(f'[actor] first environment step at '
          f'{time.time() - self._start_time:.1f} s after launch', flush=True)
    run_batched_loop(actor, environment, stop.is_set, report)
    report.close()


def build_actor(make_actor: ActorFactory, *, environment_name: str,
                num_envs: int, seed: int, variable_source: Any, replay: Any,
                counter: Any, logdir: Optional[str], start_time: float,
                log_period_seconds: float, log: bool,
                environment_options: Optional[Dict[str, Any]] = None
                ) -> lp.PyClassNode:
  """An actor node: `make_actor` on `num_envs` copies of `environment_name`
  (with the task's `environment_options`, if any) seeded from `seed`,
  reading `variable_source` (a variable server, or the parameter shards),
  writing to `replay` (None: it writes elsewhere or nowhere), counting into
  `counter`; it logs if `log`."""
  return lp.PyClassNode(
      ActorRunner, make_actor=make_actor, environment_name=environment_name,
      num_envs=num_envs, seed=seed, variable_source=variable_source,
      replay=replay, counter=counter, logdir=logdir, start_time=start_time,
      log_period_seconds=log_period_seconds, log=log,
      environment_options=environment_options)
