"""The `mapper` and `reducer` nodes of map-reduce RL (Li & Schuurmans
2011).

LSPI: each mapper holds one shard of samples and answers a round's weights
with its partial LSTD-Q sums; the reducer runs the rounds, adds the sums,
solves, and stops the program once the greedy policy holds (or after
max_iterations). Maths: `agents.lspi`.

Value iteration: each mapper holds one row block of the sparse model and
answers a round's values (the slice its rows reach) with its block of the
Bellman backup; the reducer assembles V, runs the mode's loop
(`agents.value_iteration.model.iterate`) and stops the program once V has
converged. Maths: `agents.value_iteration`.

No node imports TensorFlow (except the reducer's logger, for TensorBoard,
with a logdir).
"""

import os
import time
from typing import Any, Optional, Sequence

import launchpad as lp
import numpy as np

from agents.common import wire
from agents.lspi import config as config_lib
from agents.value_iteration import config as vi_config_lib
from programs.nodes import counter as counter_lib
from programs.nodes import lifecycle
from programs.nodes import loggers

# What the reducers write at the end (under the logdir): LSPI's last
# weights and greedy policy on the probe states; value iteration's V and
# greedy policy.
WEIGHTS_FILE = 'lspi_weights.npz'
VALUES_FILE = 'values.npz'


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
    from agents.lspi import lstdq  # pylint: disable=g-import-not-at-top
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
    self._round_started = 0.0
    self._bytes_to = 0
    # (rounds, weights, greedy policy) after the last finished round; before
    # the first, w_0 = 0 (lstdq.iterate's start) and its policy.
    weights = np.zeros(self._probe.shape[-1])
    self._last = (0, weights, lstdq.greedy_actions(weights, self._probe))

  def _statistics(self, weights: np.ndarray):
    """The map step over the mappers, all at once: every (A_k, b_k)."""
    lifecycle.check_stop('an LSPI round')  # Mappers answer after the stop.
    self._round_started = time.time()
    packed = wire.pack([weights])
    calls = [m.futures.statistics(packed) for m in self._mappers]
    statistics = [call.result() for call in calls]  # Stopped at the stop.
    self._bytes_to = len(packed) * len(self._mappers)
    return statistics

  def _log(self, iteration, statistics, weights, new_weights, policy,
           new_policy) -> None:
    seconds = time.time() - self._round_started
    self._last = (iteration, new_weights, new_policy)
    self._counter.increment(learner_steps=1)
    self._logger.write({
        'iteration': iteration,
        'round_seconds': seconds,
        'weight_change': float(np.linalg.norm(new_weights - weights)),
        'policy_changes': int(np.sum(new_policy != policy)),
        'optimal_actions': int(np.sum(new_policy == self._optimal)),
        'bytes_to_mappers': self._bytes_to,
        'bytes_from_mappers': sum(a_k.nbytes + b_k.nbytes
                                  for a_k, b_k in statistics),
    }, force=True)
    print(f'[reducer] round {iteration}: policy '
          f'{self._policy_string(new_policy)}', flush=True)

  @lifecycle.guarded
  def run(self) -> None:
    from agents.lspi import lstdq  # pylint: disable=g-import-not-at-top
    try:
      result = lstdq.iterate(self._statistics, self._config, self._probe,
                             on_round=self._log)
      rounds, weights, policy = (result.iterations, result.weights,
                                 result.policies[-1])
      how = f'stopped after {rounds} round(s) ({result.stop})'
    except lifecycle.Stopped:
      # The budget (or a failure elsewhere) stopped the program mid-round:
      # report and keep what the last finished round gave.
      rounds, weights, policy = self._last
      how = (f'was stopped by the program after {rounds} round(s), before '
             'converging')
    finally:
      self._logger.close()
    optimal = bool(np.array_equal(policy, self._optimal))
    print(f'[reducer] LSPI {how}: policy {self._policy_string(policy)}, '
          f'{"optimal" if optimal else "not optimal"} (optimal: '
          f'{self._policy_string(self._optimal)}).', flush=True)
    if self._logdir:
      np.savez(os.path.join(self._logdir, WEIGHTS_FILE), weights=weights,
               policy=policy, optimal=self._optimal, rounds=rounds)
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


class ValueIterationMapperNode:
  """One row block of the model, built in this process."""

  @lifecycle.guarded
  def __init__(self, config: vi_config_lib.ValueIterationConfig,
               start: int, stop: int):
    from agents.value_iteration import model  # pylint: disable=g-import-not-at-top
    self._block = model.build_block(config, start, stop)
    self._discount = config.discount

  def columns(self):
    """[column_start, column_stop): the slice of V this block's rows reach
    (the reducer sends only that)."""
    return self._block.column_start, self._block.column_stop

  def backup(self, packed: wire.Packed):
    """(V_block [B], greedy [B]) of one Bellman backup.

    `packed`: `wire.pack([V[column_start:column_stop]])`, or with the
    block's policy [B] as a second array (policy evaluation).
    """
    from agents.value_iteration import model  # pylint: disable=g-import-not-at-top
    arrays = wire.unpack(packed)
    policy = arrays[1] if len(arrays) > 1 else None
    return model.backup_block(self._block.transitions, self._block.rewards,
                              arrays[0], self._discount, policy)

  @lifecycle.guarded
  def run(self) -> None:
    lp.wait_for_stop()


class ValueIterationReducerNode:
  """Runs the sweeps over the mappers and ends the program."""

  @lifecycle.guarded
  def __init__(self, mappers: Sequence[Any], blocks: Sequence[Any],
               counter: Any, config: vi_config_lib.ValueIterationConfig,
               logdir: Optional[str], start_time: float):
    self._mappers = lifecycle.stoppable(list(mappers))
    self._blocks = [tuple(b) for b in blocks]  # Row [start, stop) each.
    self._counter = counter_lib.CounterClient(
        lifecycle.StoppableClient(counter))
    self._config = config
    self._logdir = logdir
    self._logger = loggers.NodeLogger('reducer', logdir, start_time, 0.0,
                                      step_key='learner_steps',
                                      counts_fn=self._counter.get_counts)
    self._bytes = [0, 0]  # To the mappers, from them, in the last sweep.
    self._sweep_started = 0.0
    self._columns = []  # Per mapper, the slice of V it takes (from run).
    # The last finished sweep: (V, greedy) and its number.
    self._last = (np.zeros(0), np.zeros(0, np.uint8))
    self._sweeps = 0

  def _sweep(self, values, policy):
    """One backup of every block over the mappers, all at once."""
    lifecycle.check_stop('a sweep')  # Mappers answer after the stop.
    self._sweep_started = time.time()
    calls, sent = [], 0
    for mapper, (start, stop), (first, last) in zip(
        self._mappers, self._blocks, self._columns):
      arrays = [values[first:last]]
      if policy is not None:
        arrays.append(policy[start:stop])
      packed = wire.pack(arrays)
      sent += len(packed)
      calls.append(mapper.futures.backup(packed))
    results = [call.result() for call in calls]  # Stopped at the stop.
    self._bytes = [sent, sum(v.nbytes + g.nbytes for v, g in results)]
    self._last = (np.concatenate([v for v, _ in results]),
                  np.concatenate([g for _, g in results]))
    return self._last

  def _log(self, iteration: int, change: float) -> None:
    seconds = time.time() - self._sweep_started
    self._sweeps = iteration
    self._counter.increment(learner_steps=1)
    self._logger.write({
        'iteration': iteration,
        'sweep_seconds': seconds,
        'value_change': change,
        'bytes_to_mappers': self._bytes[0],
        'bytes_from_mappers': self._bytes[1],
    }, force=True)

  @lifecycle.guarded
  def run(self) -> None:
    from agents.value_iteration import model  # pylint: disable=g-import-not-at-top
    config = self._config
    self._columns = [tuple(m.columns()) for m in self._mappers]
    size = model.num_states(config.grid_size)
    policy = (model.heading_policy(config.grid_size)
              if config.mode == 'policy_evaluation' else None)
    started = time.time()
    try:
      solution = model.iterate(self._sweep, size, config, policy,
                               on_sweep=self._log)
      values, greedy, sweeps = (solution.values, solution.policy,
                                solution.iterations)
      how = (f'{"converged" if solution.converged else "did NOT converge"} '
             f'after {sweeps} sweeps')
      converged = solution.converged
    except lifecycle.Stopped:
      # The budget (or a failure elsewhere) stopped the program mid-sweep:
      # report and keep the last finished sweep's V.
      values, greedy = self._last
      sweeps, converged = self._sweeps, False
      how = f'was stopped by the program after {sweeps} sweeps, unconverged'
    finally:
      self._logger.close()
    print(f'[reducer] {config.mode} on {size:,} states with '
          f'{len(self._mappers)} mapper(s) {how} in '
          f'{time.time() - started:.1f} s (converged: |V - V_fixed_point| < '
          f'{config.tolerance:g}).', flush=True)
    if self._logdir:
      np.savez(os.path.join(self._logdir, VALUES_FILE), values=values,
               policy=greedy, iterations=sweeps, converged=converged)
    lp.stop()  # Returning would end this node only.


def build_value_iteration_mapper(*, config: vi_config_lib.ValueIterationConfig,
                                 start: int, stop: int) -> lp.CourierNode:
  """The mapper of model rows [start, stop)."""
  return lifecycle.BoundedCourierNode(ValueIterationMapperNode, config=config,
                                      start=start, stop=stop)


def build_value_iteration_reducer(
    *, mappers: Sequence[Any], blocks: Sequence[Any], counter: Any,
    config: vi_config_lib.ValueIterationConfig, logdir: Optional[str],
    start_time: float) -> lp.PyClassNode:
  """The reducer over `mappers` (handles) of row `blocks` ([start, stop))."""
  return lp.PyClassNode(
      ValueIterationReducerNode, mappers=list(mappers), blocks=list(blocks),
      counter=counter, config=config, logdir=logdir, start_time=start_time)
