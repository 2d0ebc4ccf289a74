"""Node builders every program shares: counter (with the budget watcher),
variable server, parameter-server shards, learner runner, evaluator and
batched actor runner.

Each `build_*` returns a Launchpad node whose constructor arguments are
picklable values and handles; networks, environments and clients are made in
the node's own process. Nodes that have nothing to compute (counter,
variable server) never import TensorFlow, which keeps their processes small.
"""

import collections
from concurrent import futures
import faulthandler
import functools
import os
import threading
import time
import traceback
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from absl import logging
from acme.utils import counting
import launchpad as lp
from launchpad import context as lp_context
import numpy as np

from agents.common import batched_environments
from agents.common import budget as budget_lib
from agents.common import environment_loop
from agents.common import loggers
from agents.common import parameter_server

# Bounds every RPC between nodes (seconds). Long enough for a peer that is
# still importing TensorFlow at start-up; a dead peer fails the call.
CALL_TIMEOUT_SECONDS = 60
POLL_SECONDS = 0.5  # How often waits look at the stop event.
# Seconds a node process may take to exit after its run() ended. Past that,
# faulthandler prints every thread's stack (so the hang can be fixed) and
# ends the process; Launchpad would otherwise SIGKILL the whole launch.
EXIT_SECONDS = 5.0
# The launcher sets this; a failing node appends its traceback there so the
# launch can exit non-zero (Launchpad ignores node exit codes in local_mp).
FAILURE_FILE_ENV = 'DISTRL_FAILURE_FILE'


def _report_failure(node: Any) -> None:
  """Records the current exception for the launcher and stops the program."""
  failure_file = os.environ.get(FAILURE_FILE_ENV)
  if failure_file:
    with open(failure_file, 'a') as f:
      f.write(f'{type(node).__name__} failed:\n{traceback.format_exc()}\n')
  lp.stop()


def guarded(method: Callable[..., None]) -> Callable[..., None]:
  """Wraps a node's `__init__` or `run`: a failure stops the whole program;
  after `run` the process exit is bounded by EXIT_SECONDS.

  Launchpad 0.5.2's local_mp launcher does not notice a node that crashed,
  so without this a dead learner would leave actors waiting until the budget.
  """

  @functools.wraps(method)
  def wrapper(self, *args, **kwargs) -> None:
    try:
      method(self, *args, **kwargs)
    except (Stopped, parameter_server.CallAbandoned):
      pass  # A call abandoned at the stop: a clean end, not a failure.
    except BaseException:
      _report_failure(self)
      raise
    finally:
      multiprocess = (lp_context.get_context().launch_type ==
                      lp.LaunchType.LOCAL_MULTI_PROCESSING)
      if method.__name__ == 'run' and multiprocess:
        # Not in threads: there the watchdog would end the test process.
        faulthandler.dump_traceback_later(EXIT_SECONDS, exit=True)

  return wrapper


def bounded(handle: lp.CourierHandle) -> lp.CourierHandle:
  """Gives a handle's clients a call timeout (rule: every wait is bounded)."""
  handle.set_client_kwargs(call_timeout=CALL_TIMEOUT_SECONDS)
  return handle


class Stopped(Exception):
  """The program is stopping: a call to another node was abandoned."""


class StoppableClient:
  """A Courier client whose calls give up when the program stops.

  A plain call to a node that has already stopped waits for its server until
  the call timeout; in a hot loop that holds the process past the shutdown.
  Here every call is a future polled against `should_stop`.
  """

  def __init__(self, client: Any, should_stop: Callable[[], bool]):
    self._client = client
    self._should_stop = should_stop

  @property
  def futures(self) -> Any:
    return self._client.futures

  def __getattr__(self, method: str) -> Callable[..., Any]:
    if method.startswith('_'):
      raise AttributeError(method)

    def call(*args, **kwargs):
      future = getattr(self._client.futures, method)(*args, **kwargs)
      while True:
        try:
          return future.result(timeout=POLL_SECONDS)
        except futures.TimeoutError:
          if self._should_stop():
            future.cancel()
            raise Stopped(method) from None

    return call


class RemoteCounter:
  """Counts into a counter node without waiting for the answer."""

  def __init__(self, client: StoppableClient):
    self._client = client

  def increment(self, **counts: float) -> None:
    self._client.futures.increment(**counts)

  def get_counts(self) -> Dict[str, float]:
    return self._client.get_counts()


class BudgetCounter(counting.Counter):
  """acme's Counter that also ends the run when the budget is reached.

  `run` polls the counts and the clock; at the budget it calls `lp.stop()`,
  which stops every node of the program (returning would end only this one).
  """

  def __init__(self, budget: budget_lib.Budget, start_time: float):
    super().__init__()
    self._budget = budget
    self._start_time = start_time

  @guarded
  def run(self) -> None:
    while not lp.wait_for_stop(POLL_SECONDS):
      reason = self._budget.reached(self.get_counts(),
                                    time.time() - self._start_time)
      if reason:
        print(f'[counter] budget reached ({reason}) after '
              f'{time.time() - self._start_time:.1f} s; counts '
              f'{self.get_counts()}; stopping the program.', flush=True)
        lp.stop()
        return


def build_counter(budget: budget_lib.Budget,
                  start_time: float) -> lp.CourierNode:
  return lp.CourierNode(BudgetCounter, budget=budget, start_time=start_time)


def add_counter(program: lp.Program, budget: budget_lib.Budget,
                start_time: float) -> lp.CourierHandle:
  """The `counter` group (with the budget watcher); a bounded handle."""
  with program.group('counter'):
    return bounded(program.add_node(build_counter(budget, start_time)))


def add_learner_core(program: lp.Program, *, budget: budget_lib.Budget,
                     start_time: float, tables: Callable[[], Any],
                     make_learner: Callable[..., Any],
                     variable_names: Sequence[str],
                     refresh_seconds: float) -> Tuple[Any, Any, Any]:
  """counter, replay, learner and variable_server of a one-learner program.

  Args:
    tables: builds the Reverb tables (picklable, runs in the replay node).
    make_learner: `make_learner(replay=, counter=)` -> the learner.
    variable_names: what the variable server serves.

  Returns:
    Handles (counter, replay, variable_server), counter and variable
    server bounded.
  """
  counter = add_counter(program, budget, start_time)
  with program.group('replay'):
    replay = program.add_node(lp.ReverbNode(tables))
  with program.group('learner'):
    learner = program.add_node(lp.CourierNode(
        LearnerRunner, make_learner=make_learner, replay=replay,
        counter=counter))
  with program.group('variable_server'):
    variable_server = program.add_node(build_variable_server(
        learner, variable_names, refresh_seconds))
  return counter, replay, bounded(variable_server)


class VariableServer:
  """Pulls variables from a source on a period and serves them to readers.

  Actors and evaluators read here, so however many there are the learner
  answers one request per period (Launchpad 0.5.2 has no CacherNode).
  """

  @guarded
  def __init__(self, source: Any, names: Sequence[str],
               refresh_seconds: float):
    self._source = StoppableClient(source, lp.stop_event().is_set)
    self._names = list(names)
    self._refresh_seconds = refresh_seconds
    self._variables: Optional[List[Any]] = None
    self._ready = threading.Event()

  def get_variables(self, names: Sequence[str]) -> List[Any]:
    """The latest copy for `names` (a subset of the served names).

    Blocks (at most CALL_TIMEOUT_SECONDS) until the first copy arrived.
    """
    if not self._ready.wait(CALL_TIMEOUT_SECONDS):
      raise TimeoutError('The variable server has no variables yet.')
    variables = dict(zip(self._names, self._variables))
    return [variables[name] for name in names]

  @guarded
  def run(self) -> None:
    stop = lp.stop_event()
    while not stop.is_set():
      started = time.time()
      try:
        self._variables = self._source.get_variables(self._names)
        self._ready.set()
      except Stopped:
        return
      except Exception as e:  # pylint: disable=broad-except
        logging.warning('Variable server: source not answering (%s).', e)
      stop.wait(max(0.0, self._refresh_seconds - (time.time() - started)))


def build_variable_server(source: lp.CourierHandle, names: Sequence[str],
                          refresh_seconds: float) -> lp.CourierNode:
  return lp.CourierNode(VariableServer, source=bounded(source), names=names,
                        refresh_seconds=refresh_seconds)


def variable_source_client(source: Any, should_stop: Callable[[], bool]) -> Any:
  """What actors read variables from: a variable server's client, or the
  clients of a parameter server's shards (a list), seen as one source."""
  if isinstance(source, (list, tuple)):
    return parameter_server.ShardedParameters(
        [StoppableClient(shard, should_stop) for shard in source],
        should_stop)
  return StoppableClient(source, should_stop)


class ParameterShardNode(parameter_server.ParameterShard):
  """A parameter-server shard as a node: serves until the program stops.

  With a `counter`, it counts every update it applies as a learner step
  (where workers, not learners, send the gradients: A3C, A2C).
  """

  @guarded
  def __init__(self, counter: Any = None, **shard_kwargs: Any):
    super().__init__(**shard_kwargs)
    self._counter = None
    if counter is not None:
      self._counter = RemoteCounter(StoppableClient(
          counter, lp.stop_event().is_set))

  def on_update(self) -> None:
    if self._counter is not None:
      self._counter.increment(learner_steps=1)  # Asynchronous.

  @guarded
  def run(self) -> None:
    lp.wait_for_stop()


def build_parameter_shards(program: lp.Program, num_shards: int,
                           counter: Any = None,
                           **shard_kwargs: Any) -> List[lp.CourierHandle]:
  """The `parameter_server` group: `num_shards` ParameterShard nodes.

  `counter`, if given, is counted into by the first shard (one count per
  update of the whole network).
  """
  with program.group('parameter_server'):
    return [bounded(program.add_node(lp.CourierNode(
        ParameterShardNode, counter=counter if i == 0 else None,
        **shard_kwargs)))
            for i in range(num_shards)]


ActorFactory = Callable[..., Any]


def add_actors(program: lp.Program, *, make_actors: Sequence[ActorFactory],
               seeds: Sequence[int], environment_name: str, num_envs: int,
               variable_source: Any, replays: Sequence[Any], counter: Any,
               logdir: Optional[str], start_time: float,
               log_period_seconds: float, group: str = 'actor') -> None:
  """The `actor` group (or `group`, e.g. A3C's `worker`): actor i runs
  make_actors[i] (picklable, see ActorRunner) on num_envs environments
  seeded from seeds[i] and writes to replays[i]; actor 0 logs."""
  with program.group(group):
    for actor_id, (make_actor, seed, replay) in enumerate(
        zip(make_actors, seeds, replays)):
      program.add_node(lp.PyClassNode(
          ActorRunner, make_actor=make_actor,
          environment_name=environment_name, num_envs=num_envs, seed=seed,
          variable_source=variable_source, replay=replay, counter=counter,
          logdir=logdir, start_time=start_time,
          log_period_seconds=log_period_seconds, log=actor_id == 0))


def add_evaluator(program: lp.Program, *, make_actor: ActorFactory,
                  seed: int, environment_name: str, num_episodes: int,
                  variable_source: Any, counter: Any, logdir: Optional[str],
                  start_time: float, period_seconds: float,
                  budget: budget_lib.Budget) -> None:
  """The `evaluator` group: one Evaluator node."""
  with program.group('evaluator'):
    program.add_node(lp.PyClassNode(
        Evaluator, make_actor=make_actor, environment_name=environment_name,
        num_episodes=num_episodes, seed=seed,
        variable_source=variable_source, counter=counter, logdir=logdir,
        start_time=start_time, period_seconds=period_seconds,
        budget=budget))


class ActorRunner:
  """Runs a batched actor on its environments until the program stops.

  `make_actor(environment=, variable_source=, replay=, should_stop=)` is the
  agent's picklable factory; it returns an acme-style batched actor.
  """

  @guarded
  def __init__(self, make_actor: ActorFactory, environment_name: str,
               num_envs: int, seed: int, variable_source: Any,
               replay: Any, counter: Any, logdir: Optional[str],
               start_time: float, log_period_seconds: float,
               log: bool):
    self._make_actor = make_actor
    self._environment_name = environment_name
    self._num_envs = num_envs
    self._seed = seed
    should_stop = lp.stop_event().is_set
    self._variable_source = variable_source_client(variable_source,
                                                   should_stop)
    self._replay = replay
    self._counter = RemoteCounter(StoppableClient(counter, should_stop))
    self._logger = None
    if log:  # One actor logs for all; the others only count.
      self._logger = loggers.NodeLogger(
          'actor', logdir, start_time, log_period_seconds,
          counts_fn=self._counter.get_counts)
    self._start_time = start_time

  @guarded
  def run(self) -> None:
    stop = lp.stop_event()
    environment = batched_environments.make_batched_environment(
        self._environment_name, self._num_envs, self._seed)
    actor = self._make_actor(
        environment=environment, variable_source=self._variable_source,
        replay=self._replay, should_stop=stop.is_set)
    steps = [0, 0]  # [total, not yet counted]
    started = time.time()
    last_count = [started]

    def on_steps(n: int) -> None:
      steps[0] += n
      steps[1] += n
      now = time.time()
      # One counter RPC per ~1000 steps or second, not per step.
      if steps[1] >= 1000 or now - last_count[0] >= 1.0:
        self._counter.increment(actor_steps=steps[1])
        steps[1] = 0
        last_count[0] = now
        # Drained by every actor, logged by one: undrained it would grow
        # by one float per episode for the whole run.
        episode_returns = environment.completed_returns()
        if self._logger is None:
          return
        values = {'actor_steps_local': steps[0],
                  'actor_steps_per_s_local': steps[0] / (now - started)}
        if episode_returns:
          values['episode_return'] = sum(episode_returns) / len(
              episode_returns)
        self._logger.write(values)

    print(f'[actor] first environment step at '
          f'{time.time() - self._start_time:.1f} s after launch', flush=True)
    environment_loop.run_batched_loop(actor, environment, stop.is_set,
                                      on_steps)
    if self._logger is not None:
      self._logger.close()


class LearnerRunner:
  """Serves a learner and steps it in a daemon thread until the stop.

  The thread keeps the node's main thread free to see the stop: a main
  thread blocked in a dataset read would never return and Launchpad would
  SIGKILL the whole program. `step()` is exposed for tests (disable_run).
  """

  @guarded
  def __init__(self, make_learner: Callable[..., Any], **handles: Any):
    should_stop = lp.stop_event().is_set

    def stoppable(value):
      if isinstance(value, lp.CourierClient):
        return StoppableClient(value, should_stop)
      if isinstance(value, (list, tuple)):  # E.g. parameter-server shards.
        return [stoppable(v) for v in value]
      return value

    self._learner = make_learner(
        **{k: stoppable(v) for k, v in handles.items()})

  def get_variables(self, names: Sequence[str]) -> List[Any]:
    return self._learner.get_variables(names)

  def step(self) -> None:
    self._learner.step()

  @guarded
  def run(self) -> None:
    stop = lp.stop_event()
    failure = []

    def train() -> None:
      try:
        while not stop.is_set():
          self._learner.step()
      except Exception as e:  # pylint: disable=broad-except
        failure.append(e)

    threading.Thread(target=train, name='learner', daemon=True).start()
    while not stop.wait(POLL_SECONDS):
      if failure:  # Raised here, the node fails and the launch with it.
        raise RuntimeError('The learner failed.') from failure[0]


class Evaluator:
  """Plays one episode per environment, `num_episodes` at once, per period.

  It sleeps between rounds so that it does not take CPU from the actors.
  `make_actor(environment=, variable_source=)` returns a batched actor that
  records nothing; `actor.update(wait=True)` fetches the latest variables.
  With a `budget` that has a target_return, it stops the program once the
  mean of its last budget.TARGET_ROUNDS rounds reaches it.
  """

  @guarded
  def __init__(self, make_actor: ActorFactory, environment_name: str,
               num_episodes: int, seed: int, variable_source: Any,
               counter: Any, logdir: Optional[str], start_time: float,
               period_seconds: float,
               budget: Optional[budget_lib.Budget] = None):
    should_stop = lp.stop_event().is_set
    self._budget = budget
    self._start_time = start_time
    counter = StoppableClient(counter, should_stop)
    self._environment = batched_environments.make_batched_environment(
        environment_name, num_episodes, seed)
    self._actor = make_actor(
        environment=self._environment,
        variable_source=variable_source_client(variable_source, should_stop))
    self._period = period_seconds
    self._logger = loggers.NodeLogger('evaluator', logdir, start_time,
                                      period_seconds=0.0,
                                      counts_fn=counter.get_counts)

  def evaluate(self, should_stop: Callable[[], bool]) -> float:
    """Mean return of the next episode of every environment."""
    environment, actor = self._environment, self._actor
    actor.update(wait=True)
    observation = environment.reset()
    actor.observe_first(observation)
    returns = np.zeros(environment.num_envs)
    running = np.ones(environment.num_envs, bool)
    while running.any() and not should_stop():
      action = actor.select_action(observation)
      observation, reward, discount, first = environment.step(action)
      actor.observe(action, (observation, reward, discount, first))
      returns += reward * running
      running &= ~first  # Only each environment's first episode counts.
    environment.completed_returns()  # Drained: counted above.
    return float(returns.mean())

  @guarded
  def run(self) -> None:
    stop = lp.stop_event()
    recent = collections.deque(maxlen=budget_lib.TARGET_ROUNDS)
    while not stop.wait(self._period):
      episode_return = self.evaluate(stop.is_set)
      if stop.is_set():
        break
      self._logger.write({'episode_return': episode_return}, force=True)
      recent.append(episode_return)
      reason = (self._budget and len(recent) == recent.maxlen and
                self._budget.return_reached(sum(recent) / len(recent)))
      if reason:
        print(f'[evaluator] budget reached ({reason}) after '
              f'{time.time() - self._start_time:.1f} s; stopping the '
              'program.', flush=True)
        lp.stop()
        break
    self._logger.close()
