"""N copies of an environment stepped together, with automatic reset.

Actors step many environments per process so that one policy call serves a
whole batch: per-step Python work is what bounds a small-network actor.

Convention (time-major unrolls are built from it):
  step(actions [B]) -> (observation [B, ...], reward [B], discount [B],
                        first [B])
  An episode that ends on this step reports its last reward with discount 0
  (termination and time-limit truncation alike: the observation returned is
  already the first one of the next episode, so there is nothing to bootstrap
  from) and `first` True next to the new episode's first observation.

  For agents that bootstrap through time limits (Pardo et al. 2018), every
  environment also exposes, for its last step, `truncated` [B] (the episode
  was cut by the time limit, not terminated) and `final_observation` [B, ...]
  (the last observation of each episode that ended; where none ended, the
  returned observation).
"""

from typing import List, Sequence, Tuple

from dm_env import specs
import numpy as np

from agents.common import environments

BatchStep = Tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]


class BatchedEnvironment:
  """Steps `num_envs` dm_env environments in a loop, resetting ended ones."""

  def __init__(self, name: str, num_envs: int, seed: int):
    self._envs = [
        environments.make_environment(name, environments.actor_seed(seed, i))
        for i in range(num_envs)]
    action_spec = self._envs[0].action_spec()
    if not isinstance(action_spec, specs.DiscreteArray):
      raise ValueError(f'Environment {name!r} has continuous actions '
                       f'({action_spec}); batched actors take discrete ones.')
    self.num_envs = num_envs
    self.observation_shape = tuple(self._envs[0].observation_spec().shape)
    self.num_actions = int(action_spec.num_values)
    self._returns = np.zeros(num_envs, np.float64)
    self._completed: List[float] = []
    self.truncated = np.zeros(num_envs, bool)
    self.final_observation = np.zeros(
        (num_envs,) + self.observation_shape, np.float32)

  def reset(self) -> np.ndarray:
    """Starts every episode; returns the first observations [B, ...]."""
    self._returns[:] = 0.0
    return np.stack([env.reset().observation for env in self._envs])

  def step(self, actions: np.ndarray) -> BatchStep:
    """Steps every environment with its action; see the module docstring."""
    observation = np.empty((self.num_envs,) + self.observation_shape,
                           np.float32)
    reward = np.empty(self.num_envs, np.float32)
    discount = np.ones(self.num_envs, np.float32)
    first = np.zeros(self.num_envs, bool)
    self.truncated[:] = False
    for i, env in enumerate(self._envs):
      timestep = env.step(actions[i])
      reward[i] = timestep.reward
      self._returns[i] += timestep.reward
      self.final_observation[i] = timestep.observation
      if timestep.last():
        discount[i] = 0.0
        first[i] = True
        # dm_env: truncation ends with a non-zero discount.
        self.truncated[i] = timestep.discount > 0
        self._completed.append(float(self._returns[i]))
        self._returns[i] = 0.0
        timestep = env.reset()
      observation[i] = timestep.observation
    return observation, reward, discount, first

  def completed_returns(self) -> List[float]:
    """Returns of the episodes that ended since the last call (drained)."""
    completed, self._completed = self._completed, []
    return completed


class BatchedCartPole(BatchedEnvironment):
  """CartPole-v1 for many copies at once, on gymnasium's NumPy vector env.

  gymnasium's `CartPoleVectorEnv` has the dynamics, thresholds and 500-step
  limit of CartPole-v1 but steps all copies in a few array operations:
  measured 3.5x the steps/s of a loop over CartPole-v1 at 32 copies
  (473k vs 135k steps/s on one core).
  """

  def __init__(self, num_envs: int, seed: int,  # pylint: disable=super-init-not-called
               observed: Sequence[int] = (0, 1, 2, 3)):
    """Creates the batch; `observed` picks entries of (x, x', theta, theta')."""
    from gymnasium.envs.classic_control import cartpole  # pylint: disable=g-import-not-at-top
    self._env = cartpole.CartPoleVectorEnv(num_envs=num_envs)
    # The time limit is applied here, not by gymnasium, whose automatic
    # reset would overwrite the last observation of truncated episodes.
    self._time_limit = self._env.max_episode_steps
    self._env.max_episode_steps = np.inf
    self._seed = seed
    self.num_envs = num_envs
    self._observed = np.asarray(observed)
    self.observation_shape = (len(observed),)
    self.num_actions = 2
    self._returns = np.zeros(num_envs, np.float64)
    self._completed = []
    self.truncated = np.zeros(num_envs, bool)
    self.final_observation = np.zeros((num_envs,) + self.observation_shape,
                                      np.float32)

  def reset(self) -> np.ndarray:
    # Only the first reset takes the seed; later ones continue its stream.
    observation, _ = self._env.reset(seed=self._seed)
    self._seed = None
    # gymnasium 0.29's CartPoleVectorEnv.reset keeps the time-limit step
    # counts, which would cut the next episodes short.
    self._env.steps[:] = 0
    self._returns[:] = 0.0
    return observation[:, self._observed].astype(np.float32)

  def step(self, actions: np.ndarray) -> BatchStep:
    env = self._env
    observation, reward, terminated, _, _ = env.step(
        np.asarray(actions, np.int64))
    observation = observation.astype(np.float32)  # A copy, not a view.
    # Terminated episodes were reset by gymnasium (steps zeroed).
    truncated = env.steps >= self._time_limit
    self.truncated = truncated
    if truncated.any():  # Reset as gymnasium does, after keeping the last.
      final = observation[:, self._observed]
      fresh = env.np_random.uniform(low=env.low, high=env.high,
                                    size=(4, truncated.sum()))
      env.state[:, truncated] = fresh.astype(np.float32)
      env.steps[truncated] = 0
      observation[truncated] = fresh.T
    observation = observation[:, self._observed]  # A copy.
    self.final_observation = final if truncated.any() else observation.copy()
    ended = terminated | truncated
    self._returns += reward
    if ended.any():
      self._completed.extend(self._returns[ended].tolist())
      self._returns[ended] = 0.0
    discount = (~ended).astype(np.float32)
    return observation, reward.astype(np.float32), discount, ended


def make_batched_environment(name: str, num_envs: int,
                             seed: int) -> BatchedEnvironment:
  """Returns `num_envs` copies of `name` stepped together, seeded from `seed`.

  Raises:
    ValueError: `name` is unknown or has continuous actions.
  """
  environments.validate_name(name)
  with environments.CONSTRUCTION_LOCK:  # Re-entrant: the loop takes it too.
    if name == 'cartpole':
      return BatchedCartPole(num_envs, seed)
    if name == 'cartpole_no_velocity':
      return BatchedCartPole(num_envs, seed,
                             observed=environments.CARTPOLE_POSITIONS)
    return BatchedEnvironment(name, num_envs, seed)
