"""The environment workers of central inference (`actor` group): they step
environments and nothing else. No TensorFlow is imported, so a worker is
small and steps its environments within a second of its process starting.

  sync         one slot: all the worker's environments step, then wait for
               their actions.
  alternating  two slots (Stooke & Abbeel's alternating sampler): while
               one half's actions are computed, the other half steps.
"""

import time
from typing import Any, Dict, List, Optional

import launchpad as lp

from agents.common import batched_environments
from agents.common import environments
from agents.common import inference_modes
from agents.common import wire
from programs.nodes import actor_runner
from programs.nodes import counter as counter_lib
from programs.nodes import lifecycle
from programs.nodes import loggers


class EnvironmentWorker:
  """Steps `num_envs` environments with actions from an action server."""

  @lifecycle.guarded
  def __init__(self, action_server: Any, environment_name: str,
               num_envs: int, seed: int, first_slot: int, sampling: str,
               counter: Any, logdir: Optional[str], start_time: float,
               log_period_seconds: float, log: bool,
               environment_options: Optional[Dict[str, Any]] = None):
    self._server = lifecycle.StoppableClient(action_server)
    self._environment_name = environment_name
    self._environment_options = environment_options
    self._sizes = inference_modes.slot_sizes(num_envs, sampling)
    self._seed = seed
    self._first_slot = first_slot
    self._counter = counter_lib.CounterClient(
        lifecycle.StoppableClient(counter))
    self._logger = None
    if log:  # One worker logs for all; CSV only: no TensorFlow here.
      self._logger = loggers.NodeLogger(
          'actor', logdir, start_time, log_period_seconds,
          counts_fn=self._counter.get_counts, tensorboard=False)
    self._start_time = start_time

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    halves = [batched_environments.make_batched_environment(
        self._environment_name, n,
        environments.actor_seed(self._seed, half),
        self._environment_options)
              for half, n in enumerate(self._sizes)]
    report = actor_runner.StepReport(self._counter, self._logger, *halves)
    slots = [self._first_slot + half for half in range(len(halves))]
    # The action server starts after its process imported TensorFlow: the
    # first call goes out once it listens, not at gRPC's next retry.
    self._server.wait_until_listening()
    # Each slot's call in flight: its answer is the slot's next actions.
    calls = [self._server.futures.reset(slot, wire.pack([env.reset()]))
             for slot, env in zip(slots, halves)]
    announced = False
    try:
      while not stop.is_set():
        # With two slots, half 0 steps while half 1's actions are computed,
        # and the other way round; with one, the worker waits each step.
        for i, (slot, env) in enumerate(zip(slots, halves)):
          actions = calls[i].result()
          batch_step = env.step(actions)
          if not announced:  # Once the action server answered: a real step.
            print(f'[actor] first environment step at '
                  f'{time.time() - self._start_time:.1f} s after launch',
                  flush=True)
            announced = True
          calls[i] = self._server.futures.step(slot,
                                               wire.pack(list(batch_step)))
          report(env.num_envs)
    except lifecycle.Stopped:
      pass
    report.close()


def build_environment_worker(*, action_server: Any, environment_name: str,
                             num_envs: int, seed: int, first_slot: int,
                             sampling: str, counter: Any,
                             logdir: Optional[str], start_time: float,
                             log_period_seconds: float, log: bool,
                             environment_options: Optional[
                                 Dict[str, Any]] = None) -> lp.PyClassNode:
  """A worker stepping `num_envs` copies of `environment_name` seeded from
  `seed`, its slots numbered from `first_slot`, with actions from
  `action_server`; counts into `counter`, logs if `log`."""
  return lp.PyClassNode(
      EnvironmentWorker, action_server=action_server,
      environment_name=environment_name, num_envs=num_envs, seed=seed,
      first_slot=first_slot, sampling=sampling, counter=counter,
      logdir=logdir, start_time=start_time,
      log_period_seconds=log_period_seconds, log=log,
      environment_options=environment_options)


def build_environment_workers(*, action_server: Any, environment_name: str,
                              num_envs: int, seeds: List[int], sampling: str,
                              counter: Any, logdir: Optional[str],
                              start_time: float, log_period_seconds: float
                              ) -> List[lp.PyClassNode]:
  """One worker per seed (`build_environment_worker`): worker i's slots
  follow worker i - 1's (1 or 2 each, `inference_modes.slot_sizes`); the
  first worker logs."""
  slots = len(inference_modes.slot_sizes(num_envs, sampling))
  return [build_environment_worker(
      action_server=action_server, environment_name=environment_name,
      num_envs=num_envs, seed=seed, first_slot=i * slots, sampling=sampling,
      counter=counter, logdir=logdir, start_time=start_time,
      log_period_seconds=log_period_seconds, log=i == 0)
          for i, seed in enumerate(seeds)]
