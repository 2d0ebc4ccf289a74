"""The DQN family's actor: epsilon-greedy on a batch of environments; turns
steps into n-step transitions and inserts them in batches, with initial
priorities |TD| from its own network when replay is prioritized (Ape-X).
The recording half, `TransitionActor`, serves the DPG actor too.

A batched actor like the IMPALA actor; `agents.common.acme_actor` runs it
as an `acme.core.Actor` on one dm_env environment.
"""

from typing import Any, List, Optional

import numpy as np
import tensorflow as tf

from agents.common import batched_environments
from agents.dqn import config as config_lib
from agents.dqn import exploration
from agents.dqn import losses
from agents.dqn import networks
from agents.dqn import transitions as transitions_lib


class TransitionActor:
  """What every transition-recording batched actor does (DQN, Ape-X,
  Gorila, DPG): turns steps into n-step transitions, inserts them in
  batches with their initial priorities if replay is prioritized, refreshes
  its variables. A subclass chooses actions (`select_action`) and computes
  priorities (`priorities`)."""

  def __init__(self, num_envs: int, observation_shape: Any,
               config: Any, writer: Optional[Any] = None,
               variable_client: Optional[Any] = None,
               environment: Optional[Any] = None,
               action_shape: Any = ()):
    """Creates the actor.

    Args:
      num_envs: B, environments served per call.
      observation_shape: of one observation.
      config: n_step, discount, insert_batch, prioritized,
        bootstrap_truncation.
      writer: where transitions go (a TransitionWriter); None records
        nothing (evaluation).
      variable_client: has `update(wait)`.
      environment: the batched environment acted in; when it reports
        time-limit truncations (`truncated`, `final_observation`), those
        transitions bootstrap from the last observation instead of ending
        with discount 0 (Pardo et al. 2018) if config.bootstrap_truncation.
      action_shape: () for discrete actions, else one action's shape.
    """
    self._config = config
    self._writer = writer
    self._variable_client = variable_client
    self._environment = (environment if config.bootstrap_truncation
                         else None)
    self._accumulator = transitions_lib.NStepAccumulator(
        num_envs, observation_shape, config.n_step, config.discount,
        action_shape)
    self._buffer: List[transitions_lib.Transitions] = []
    self._buffered = 0
    self._observation = None
    self.env_steps = 0
    self.transitions_written = 0

  def select_action(self, observation: np.ndarray) -> np.ndarray:
    raise NotImplementedError

  def priorities(self, batch: transitions_lib.Transitions) -> np.ndarray:
    """Initial priorities of `batch` under the actor's current networks."""
    raise NotImplementedError

  def observe_first(self, observation: np.ndarray) -> None:
    self._observation = observation

  def observe(self, action: np.ndarray,
              next_step: batched_environments.BatchStep) -> None:
    observation, reward, discount, first = next_step
    self.env_steps += len(action)
    if self._writer is None:
      return
    truncated = getattr(self._environment, 'truncated', None)
    if truncated is not None and truncated.any():
      # Cut by the time limit: the episode's value goes on past it.
      discount = np.where(truncated, np.float32(1.0), discount)
      observation = np.where(
          truncated.reshape((-1,) + (1,) * (observation.ndim - 1)),
          self._environment.final_observation, observation)
    finished = self._accumulator.add(self._observation, action, reward,
                                     discount, observation, first)
    self._buffer.append(finished)
    self._buffered += len(finished['action'])
    if self._buffered >= self._config.insert_batch:
      self.flush()

  def flush(self) -> None:
    """Inserts the buffered transitions (with priorities if prioritized)."""
    if not self._buffered:
      return
    batch = {k: np.concatenate([b[k] for b in self._buffer])
             for k in transitions_lib.FIELDS}
    self._buffer, self._buffered = [], 0
    priorities = None
    if self._config.prioritized:
      priorities = self.priorities(batch)
    self._writer.write(batch, priorities)
    self.transitions_written += len(batch['action'])

  def update(self, wait: bool = False) -> None:
    if self._variable_client is not None:
      self._variable_client.update(wait)


class DQNActor(TransitionActor):
  """Batched epsilon-greedy actor that records n-step transitions."""

  def __init__(self, network: networks.QNetwork, num_envs: int,
               config: config_lib.DQNConfig, epsilon: exploration.Epsilon,
               writer: Optional[transitions_lib.TransitionWriter] = None,
               variable_client: Optional[Any] = None, seed: int = 0,
               environment: Optional[Any] = None):
    """Creates the actor.

    Args:
      network: Q-network; its variables are refreshed by `variable_client`.
      num_envs, config, writer, variable_client, environment: as
        TransitionActor's.
      epsilon: exploration rate, fixed or a function of this actor's
        environment steps.
      seed: seeds exploration.
    """
    super().__init__(num_envs, network.observation_shape, config,
                     writer=writer, variable_client=variable_client,
                     environment=environment)
    self._network = network
    self._epsilon = epsilon
    self._rng = np.random.default_rng(seed)

    @tf.function
    def q_values(observation):
      return network(observation).q_values
    self._q_values = q_values

    spec = tf.TensorSpec([None] + list(network.observation_shape),
                         tf.float32)
    scalar = lambda dtype: tf.TensorSpec([None], dtype)
    transitions_spec = {
        'observation': spec, 'action': scalar(tf.int32),
        'reward': scalar(tf.float32), 'discount': scalar(tf.float32),
        'next_observation': spec}

    # A fixed signature: batches vary in size and must not retrace.
    @tf.function(input_signature=[transitions_spec])
    def priorities(data):
      online_tm1 = network(data['observation'])
      online_t = network(data['next_observation'])
      return losses.q_learning_loss(online_tm1, online_t, online_t, data,
                                    config, atoms=network.atoms).priority
    self._priorities = priorities

  @property
  def epsilon(self) -> float:
    return exploration.epsilon_at(self._epsilon, self.env_steps)

  def select_action(self, observation: np.ndarray) -> np.ndarray:
    """Epsilon-greedy actions [B] for observations [B, ...]."""
    self._observation = observation
    q_values = self._q_values(tf.constant(observation)).numpy()
    return exploration.epsilon_greedy(q_values, self.epsilon, self._rng)

  def priorities(self, batch: transitions_lib.Transitions) -> np.ndarray:
    """Initial priorities of `batch` under the actor's current network."""
    return self._priorities(batch).numpy()
