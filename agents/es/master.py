"""The ES master: the parameter server of `agents.common.parameter_server`
(parameters, optimizer, version) that takes returns instead of gradients.

Each iteration (version) it hands out theta and the observation statistics
(once per worker and iteration: `get_task` waits, bounded, for the next),
collects from every worker the noise indices and returns of its antithetic
pairs (scalars) and the statistics it gathered, then steps Adam on the
centered-rank ES gradient with weight decay and moves to the next version.
"""

from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from agents.common import parameter_server
from agents.common import wire
from agents.es import config as config_lib
from agents.es import maths
from agents.es import policy as policy_lib

Task = Tuple[int, np.ndarray, np.ndarray, np.ndarray]


class ESMaster(parameter_server.ParameterShard):
  """theta, Adam and observation statistics; updated from workers' returns."""

  def __init__(self, config: config_lib.ESConfig, num_workers: int,
               shapes: Sequence[Tuple[int, ...]]):
    super().__init__('adam', config.learning_rate, optimizer_kwargs={
        'beta1': config.adam_beta1, 'beta2': config.adam_beta2,
        'epsilon': config.adam_epsilon})
    self._config = config
    self._num_workers = num_workers
    self._noise = maths.NoiseTable(config.noise_table_size, config.seed)
    theta = policy_lib.initial_parameters(shapes, config.seed)
    self._statistics = policy_lib.ObservationStatistics(shapes[0][0])
    self._reports: List[Tuple[np.ndarray, np.ndarray]] = []
    self._reports_received = 0  # Payload count and size, for the logs;
    self._report_bytes_total = 0  # constant memory for the whole run.
    self.initialize([0], [theta])

  @property
  def theta(self) -> np.ndarray:
    return self._parameters[0]

  def get_task(self, last_version: int = -1,
               timeout_seconds: float = 0.0) -> Optional[Task]:
    """(version, theta, observation mean, std) of the current iteration.

    Args:
      last_version: the iteration the caller already has; the call waits
        (at most `timeout_seconds`) for a newer one, so theta travels once
        per worker and iteration.
      timeout_seconds: bounds the wait (a waiting handler holds one of the
        server's threads).

    Returns:
      The task, or None if no iteration after `last_version` began in time.
    """
    with self._updated:
      if not self._updated.wait_for(lambda: self.version != last_version,
                                    timeout_seconds):
        return None
      mean, std = self._statistics.mean_std()
      if not self._config.normalize_observations:
        mean, std = np.zeros_like(mean), np.ones_like(std)
      return self.version, self.theta.copy(), mean, std

  def get_variables(self, names: Sequence[str]) -> List[List[np.ndarray]]:
    """[theta, mean, std] for each name: a variable source for evaluators."""
    _, theta, mean, std = self.get_task()
    return [[theta, mean, std] for _ in names]

  def report(self, version: int, payload: wire.Packed) -> bool:
    """A worker's results for iteration `version`.

    Args:
      version: the iteration the worker evaluated.
      payload: wire.pack([indices [n] int32, returns [n, 2] float32,
        observation statistics [2 O + 1] float64]).

    Returns:
      False if the iteration is already over (the report is dropped).
    """
    indices, returns, statistics = wire.unpack(payload)
    with self._lock:
      if version != self.version:
        self.dropped += 1
        return False
      self._reports_received += 1
      self._report_bytes_total += len(payload)
      self._reports.append((np.asarray(indices), np.asarray(returns)))
      self._statistics.merge(np.asarray(statistics))
      if len(self._reports) == self._num_workers:
        self._step()
      return True

  def _step(self) -> None:
    indices = np.concatenate([i for i, _ in self._reports])
    returns = np.concatenate([r for _, r in self._reports])
    self._reports = []
    theta = self.theta
    gradient = maths.es_gradient(self._noise, indices, returns, theta.size)
    # Adam minimises: ascend the ES gradient, decay the weights (paper).
    self._optimizer.apply([-gradient + self._config.weight_decay * theta],
                          self._parameters)
    self._advance()

  def save(self) -> Dict[str, Any]:
    """The shard's state and the observation statistics; the reports of an
    iteration in progress are dropped (their workers evaluate it again)."""
    with self._lock:  # theta and statistics of the same iteration.
      return {**self._state(),
              'observation_statistics': self._statistics.as_array()}

  def restore(self, state: Mapping[str, Any]) -> None:
    super().restore(state)
    with self._lock:
      self._reports = []
      statistics = policy_lib.ObservationStatistics(len(self._statistics.sum))
      statistics.merge(np.asarray(state['observation_statistics']))
      self._statistics = statistics

  def stats(self) -> Any:
    stats = super().stats()
    stats['mean_report_bytes'] = (
        self._report_bytes_total / max(self._reports_received, 1))
    return stats
