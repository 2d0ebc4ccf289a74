"""The `mapper` and `reducer` nodes of map-reduce LSPI (Li & Schuurmans
2011): each mapper holds one shard of samples and answers a round's
weights with its partial LSTD-Q sums; the reducer runs the rounds, adds the
sums, solves, and stops the program once the greedy policy holds (or after
max_iterations). The maths is `agents.lspi`; no node imports TensorFlow
(except the reducer's logger, for TensorBoard, with a logdir).
"""

import os
import time
from typing import Any, Optional, Sequence

import launchpad as lp
import numpy as np

from agents.common import wire
from agents.lspi import config as config_lib
from programs.nodes import counter as counter_lib
from programs.nodes import lifecycle
from programs.nodes import loggers

# What the reducer writes at the end (under the logdir): the last weights
# and the greedy policy on the probe states.
WEIGHTS_FILE = 'lspi_weights.npz'


class LSPIMapperNode:
  """One shard of samples, as features; stateless across rounds."""

  @lifecycle.guarded
  def __init__(self, environment_name: str, config: config_lib.LSPIConfig,
               shard: int, num_shards: int, counter: Any):
    from agents.lspi import tasks  # pylint: disable=g-import-not-at-top
    self._shard = tasks.make_shard(environment_name, config, shard,
                                   num_shards)
    self._discount = config.discount
    # The shard's samples are its environment steps (drawn once, here).
    counter_lib.CounterClient(lifecycle.StoppableClient(counter)).increment(
        actor_steps=len(self._shard.rewards))

  def statistics(self, packed_weights: wire.Packed):
    """(A_k [F, F], b_k [F]) of this shard under pi = greedy(w).

    `packed_weights`: w [F] as `wire.pack` bytes (Courier hangs on NumPy
    arguments, launchpad#28); the answer may hold arrays.
    """
    from agents.lspi import lstdq  # pylint: disable=g-import-not-at-top
    (weights,) = wire.unpack(packed_weights)
    return lstdq.shard_statistics(self._shard, weights, self._discount)

  @lifecycle.guarded
  def run(self) -> None:
    lp.wait_for_stop()


class LSPIReducerNode:
  """Runs LSPI's rounds over the mappers and ends the program."""

  @lifecycle.guarded
  def __init__(self, mappers: Sequence[Any], counter: Any,
               environment_name: str, config: config_lib.LSPIConfig,
               logdir: Optional[str], start_time: float):
    from agents.lspi import tasks  # pylint: disable=g-import-not-at-top
    self._mappers = lifecycle.stoppable(list(mappers))
    self._counter = counter_lib.CounterClient(
        lifecycle.StoppableClient(counter))
    self._config = config
    self._probe = tasks.probe_features(environment_name)  # [M, A, F]
    self._optimal = np.array(tasks.optimal_policy(environment_name, config))
    self._policy_string = tasks.policy_string
    self._logdir = logdir
    # A row per round: rounds are few and each is worth reading.
    self._logger = loggers.NodeLogger('reducer', logdir, start_time, 0.0,
                                      step_key='learner_steps',
                                      counts_fn=self._counter.get_counts)

  @lifecycle.guarded
  def run(self) -> None:
    from agents.lspi import lstdq  # pylint: disable=g-import-not-at-top
    config = self._config
    weights = np.zeros(self._probe.shape[-1])
    policy = lstdq.greedy_actions(weights, self._probe)
    reason = lstdq.STOP_MAX_ITERATIONS
    iteration = 0
    try:
      for iteration in range(1, config.max_iterations + 1):
        started = time.time()
        packed = wire.pack([weights])
        calls = [m.futures.statistics(packed) for m in self._mappers]
        statistics = [call.result() for call in calls]  # Stopped at the stop.
        a, b = lstdq.sum_statistics(statistics)
        new_weights = lstdq.solve(a, b, config.regularisation)
        new_policy = lstdq.greedy_actions(new_weights, self._probe)
        stop = lstdq.stop_reason(weights, new_weights, policy, new_policy,
                                 config.weight_tolerance)
        self._counter.increment(learner_steps=1)
        self._logger.write({
            'iteration': iteration,
            'round_seconds': time.time() - started,
            'weight_change': float(np.linalg.norm(new_weights - weights)),
            'policy_changes': int(np.sum(new_policy != policy)),
            'optimal_actions': int(np.sum(new_policy == self._optimal)),
            'bytes_to_mappers': len(packed) * len(self._mappers),
            'bytes_from_mappers': sum(a_k.nbytes + b_k.nbytes
                                      for a_k, b_k in statistics),
        }, force=True)
        print(f'[reducer] round {iteration}: policy '
              f'{self._policy_string(new_policy)}', flush=True)
        weights, policy = new_weights, new_policy
        if stop is not None:
          reason = stop
          break
    finally:
      self._logger.close()
    optimal = bool(np.array_equal(policy, self._optimal))
    print(f'[reducer] LSPI stopped after {iteration} round(s) ({reason}): '
          f'policy {self._policy_string(policy)}, '
          f'{"optimal" if optimal else "not optimal"} (optimal: '
          f'{self._policy_string(self._optimal)}); stopping the program.',
          flush=True)
    if self._logdir:
      np.savez(os.path.join(self._logdir, WEIGHTS_FILE), weights=weights,
               policy=policy, optimal=self._optimal, rounds=iteration)
    lp.stop()  # Returning would end this node only.


def build_mapper(*, environment_name: str, config: config_lib.LSPIConfig,
                 shard: int, num_shards: int, counter: Any
                 ) -> lp.CourierNode:
  """Mapper `shard` of `num_shards`: its samples drawn in its own process."""
  return lifecycle.BoundedCourierNode(
      LSPIMapperNode, environment_name=environment_name, config=config,
      shard=shard, num_shards=num_shards, counter=counter)


def build_reducer(*, mappers: Sequence[Any], counter: Any,
                  environment_name: str, config: config_lib.LSPIConfig,
                  logdir: Optional[str], start_time: float
                  ) -> lp.PyClassNode:
  """The reducer over `mappers` (handles); it serves nothing."""
  return lp.PyClassNode(
      LSPIReducerNode, mappers=list(mappers), counter=counter,
      environment_name=environment_name, config=config, logdir=logdir,
      start_time=start_time)
