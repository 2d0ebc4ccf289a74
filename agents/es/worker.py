"""An ES worker: evaluates antithetic pairs of perturbations of theta on a
batched environment (one copy per perturbation, all stepped together through
one NumPy policy call per step) and reports only noise indices and returns.
"""

from typing import Callable, Dict, Optional, Tuple

import numpy as np

from agents.common import batched_environments
from agents.common import wire
from agents.es import config as config_lib
from agents.es import maths
from agents.es import policy as policy_lib


def play(environment: batched_environments.BatchedEnvironment,
         policy: policy_lib.BatchedPolicy, mean: Optional[np.ndarray],
         std: Optional[np.ndarray], max_steps: int,
         statistics: Optional[policy_lib.ObservationStatistics] = None,
         sample_every: int = 1,
         should_stop: Callable[[], bool] = lambda: False
         ) -> Tuple[np.ndarray, int]:
  """The return of the first episode of every copy, and the steps taken.

  Copy i acts with policy row i; observations of every `sample_every`-th
  copy go into `statistics`.
  """
  observation = environment.reset()
  returns = np.zeros(environment.num_envs, np.float64)
  running = np.ones(environment.num_envs, bool)
  sampled = np.arange(environment.num_envs) % sample_every == 0
  steps = 0
  for _ in range(max_steps):
    if statistics is not None:
      statistics.add(observation[running & sampled])
    action = policy.actions(policy_lib.normalize(observation, mean, std))
    observation, reward, _, first = environment.step(action)
    steps += int(running.sum())
    returns += reward * running
    running &= ~first  # Only each copy's first episode counts.
    if not running.any() or should_stop():
      break
  environment.completed_returns()  # Drained: counted above.
  return returns, steps


class ESWorker:
  """Evaluates `config.pairs_per_worker` antithetic pairs per iteration."""

  def __init__(self, environment_name: str, config: config_lib.ESConfig,
               seed: int):
    self._config = config
    self._rng = np.random.default_rng(seed)
    self._noise = maths.NoiseTable(config.noise_table_size, config.seed)
    self._environment = batched_environments.make_batched_environment(
        environment_name, 2 * config.pairs_per_worker, seed)
    shapes = policy_lib.layer_shapes(
        int(np.prod(self._environment.observation_shape)),
        self._environment.num_actions, config.hidden_sizes)
    self.shapes = shapes
    self._policy = policy_lib.BatchedPolicy(shapes)

  def evaluate(self, theta: np.ndarray, mean: np.ndarray, std: np.ndarray,
               should_stop: Callable[[], bool] = lambda: False
               ) -> Tuple[bytes, Dict[str, float]]:
    """Plays one iteration; returns the report payload and its figures."""
    config, dim = self._config, theta.size
    n = config.pairs_per_worker
    indices = self._noise.sample_indices(self._rng, dim, n)
    eps = np.stack([self._noise.get(int(i), dim) for i in indices])  # [n, D]
    # Rows 2i and 2i + 1: theta + sigma eps_i and theta - sigma eps_i.
    thetas = np.repeat(theta[None], 2 * n, axis=0)
    thetas[0::2] += config.sigma * eps
    thetas[1::2] -= config.sigma * eps
    self._policy.set_parameters(thetas)
    statistics = policy_lib.ObservationStatistics(mean.size)
    returns, steps = play(
        self._environment, self._policy,
        mean if config.normalize_observations else None, std,
        config.max_episode_steps, statistics, config.observation_sample_every,
        should_stop)
    payload = wire.pack([indices, returns.reshape(n, 2).astype(np.float32),
                         statistics.as_array()])
    return payload, {'steps': steps, 'episodes': 2 * n,
                     'mean_return': float(returns.mean()),
                     'report_bytes': len(payload)}


class ESEvaluationActor:
  """A batched actor (the Evaluator's interface) playing theta itself."""

  def __init__(self, shapes, num_envs: int, variable_source,
               config: config_lib.ESConfig):
    self._policy = policy_lib.BatchedPolicy(shapes)
    self._num_envs = num_envs
    self._source = variable_source
    self._normalize = config.normalize_observations
    self._mean = self._std = None

  def update(self, wait: bool = False) -> None:
    del wait  # Always fetched now: called once per evaluation round.
    theta, mean, std = self._source.get_variables(['policy'])[0]
    self._policy.set_parameters(np.repeat(theta[None], self._num_envs, 0))
    if self._normalize:
      self._mean, self._std = mean, std

  def observe_first(self, observation: np.ndarray) -> None:
    del observation

  def select_action(self, observation: np.ndarray) -> np.ndarray:
    return self._policy.actions(
        policy_lib.normalize(observation, self._mean, self._std))

  def observe(self, action, next_step) -> None:
    del action, next_step
