"""R2D2's actor: epsilon-greedy on a batch of environments through the
recurrent network, carrying its LSTM state; cuts the steps into overlapping
sequences stored with the state at their start, and inserts them with
initial priorities from its own Q-values (as Ape-X's actors do).

A batched actor like the DQN actor; `agents.common.acme_actor` runs it as
an `acme.core.Actor` on one dm_env environment.
"""

from typing import Any, List, Optional

import numpy as np
import tensorflow as tf

from agents.common import batched_environments
from agents.common import replay_writers
from agents.dqn import exploration
from agents.r2d2 import config as config_lib
from agents.r2d2 import losses
from agents.r2d2 import networks
from agents.r2d2 import sequences as sequences_lib


class R2D2Actor:
  """Batched recurrent epsilon-greedy actor that records sequences."""

  def __init__(self, network: networks.RecurrentQNetwork, num_envs: int,
               config: config_lib.R2D2Config, epsilon: exploration.Epsilon,
               writer: Optional[replay_writers.ItemWriter] = None,
               variable_client: Optional[Any] = None, seed: int = 0):
    """Creates the actor.

    Args:
      network: recurrent Q-network; refreshed by `variable_client`.
      num_envs: B, environments served per call.
      config: sequence, insert and priority options.
      epsilon: exploration rate, fixed or a function of this actor's
        environment steps.
      writer: where sequences go; None records nothing (evaluation).
      variable_client: has `update(wait)`.
      seed: seeds exploration.
    """
    self._config = config
    self._epsilon = epsilon
    self._writer = writer
    self._variable_client = variable_client
    self._rng = np.random.default_rng(seed)
    self._num_envs = num_envs
    self._builder = sequences_lib.SequenceBuilder(
        num_envs, network.observation_shape, network.num_actions, config)
    self._buffer: List[sequences_lib.Sequences] = []
    self._state = None  # (hidden, cell) [B, H] each, NumPy.
    self._first = None  # [B] bool: the next observation starts an episode.
    self._pending = None  # The step awaiting its reward.
    self.env_steps = 0
    self.sequences_written = 0

    @tf.function(autograph=False)
    def step(observation, first, hidden, cell):
      q_values, state = network.step(
          observation, first, networks.State(hidden=hidden, cell=cell))
      return q_values, state.hidden, state.cell
    self._step = step

    t = config.sequence_length - config.burn_in
    series = lambda dtype: tf.TensorSpec([t, None], dtype)

    # A fixed signature: windows never retrace.
    @tf.function(autograph=False, input_signature=[
        tf.TensorSpec([t, None, network.num_actions], tf.float32),
        series(tf.int32), series(tf.float32), series(tf.float32)])
    def priorities(q_values, action, reward, discount):
      return losses.sequence_loss(q_values, q_values, action, reward,
                                  discount, config).priority
    self._priorities = priorities

  @property
  def epsilon(self) -> float:
    return exploration.epsilon_at(self._epsilon, self.env_steps)

  def observe_first(self, observation: np.ndarray) -> None:
    """Every environment starts an episode: the state starts at zero."""
    zeros = np.zeros((self._num_envs, self._config.lstm_size), np.float32)
    self._state = (zeros, zeros)
    self._first = np.ones(self._num_envs, bool)

  def select_action(self, observation: np.ndarray) -> np.ndarray:
    """Epsilon-greedy actions [B] for observations [B, ...]."""
    hidden, cell = self._state
    q_values, new_hidden, new_cell = self._step(
        tf.constant(observation), tf.constant(self._first),
        tf.constant(hidden), tf.constant(cell))
    q_values = q_values.numpy()
    self._pending = {'observation': observation, 'first': self._first,
                     'q_values': q_values, 'core_hidden': hidden,
                     'core_cell': cell}
    self._state = (new_hidden.numpy(), new_cell.numpy())
    return exploration.epsilon_greedy(q_values, self.epsilon, self._rng)

  def observe(self, action: np.ndarray,
              next_step: batched_environments.BatchStep) -> None:
    _, reward, discount, first = next_step
    self.env_steps += len(action)
    self._first = first
    if self._writer is None:
      return
    window = self._builder.add(dict(self._pending, action=action,
                                    reward=reward, discount=discount))
    if window is not None:
      self._buffer.append(window)
      if len(self._buffer) * self._num_envs >= self._config.insert_batch:
        self.flush()

  def window_priorities(self, window: sequences_lib.Sequences) -> np.ndarray:
    """Initial priorities [B] of a window, from the recorded Q-values."""
    k = self._config.burn_in
    return self._priorities(window['q_values'][k:], window['action'][k:],
                            window['reward'][k:],
                            window['discount'][k:]).numpy()

  def flush(self) -> None:
    """Inserts the buffered sequences with their priorities."""
    for window in self._buffer:
      self._writer.write(sequences_lib.replay_items(window),
                         self.window_priorities(window))
      self.sequences_written += self._num_envs
    self._buffer = []

  def update(self, wait: bool = False) -> None:
    if self._variable_client is not None:
      self._variable_client.update(wait)
