"""The ES `worker` node: waits on the master for the next iteration,
evaluates its perturbations, reports the returns, counts and logs."""

from typing import Any, Optional

import launchpad as lp

from agents.es import config as es_config
from programs.nodes import counter as counter_lib
from programs.nodes import lifecycle
from programs.nodes import loggers

# One wait on the master for the next iteration lasts at most this long
# (a waiting call holds one of the master's server threads); the worker
# then looks at the stop and waits again.
TASK_WAIT_SECONDS = 1.0


class ESWorkerRunner:
  """Runs an ES worker: next iteration's task, evaluate, report."""

  @lifecycle.guarded
  def __init__(self, master: Any, counter: Any, environment_name: str,
               config: es_config.ESConfig, seed: int,
               logdir: Optional[str], start_time: float, log: bool):
    from agents.es import worker as worker_lib  # pylint: disable=g-import-not-at-top
    self._master = lifecycle.StoppableClient(master)
    self._counter = counter_lib.CounterClient(
        lifecycle.StoppableClient(counter))
    self._worker = worker_lib.ESWorker(environment_name, config, seed)
    self._logger = None
    if log:
      self._logger = loggers.NodeLogger(
          'worker', logdir, start_time, config.log_period_seconds,
          counts_fn=self._counter.get_counts)

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    last = -1
    while not stop.is_set():
      # theta comes only with a new iteration: the master holds the call
      # until the others have reported, or answers None after the wait.
      task = self._master.get_task(last, TASK_WAIT_SECONDS)
      if task is None:
        continue
      version, theta, mean, std = task
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


def build_es_worker(*, master: Any, counter: Any, environment_name: str,
                    config: es_config.ESConfig, seed: int,
                    logdir: Optional[str], start_time: float,
                    log: bool) -> lp.PyClassNode:
  """An ES worker node evaluating `config.pairs_per_worker` antithetic
  pairs per iteration of `master`; it logs if `log`."""
  return lp.PyClassNode(
      ESWorkerRunner, master=master, counter=counter,
      environment_name=environment_name, config=config, seed=seed,
      logdir=logdir, start_time=start_time, log=log)
