"""The unroll actor: samples from an actor-critic policy for a batch of
environments and records unrolls (observations, actions, behaviour logits,
rewards, discounts, and the recurrent state at each unroll's start).

The acting half of every program that learns from unrolls: IMPALA and PPO
write them to a queue (`agents.common.unrolls`), A3C's workers turn them into
gradients. `config` is any agent config with `unroll_length` and
`lstm_size`.

A batched actor: `select_action` takes observations [B, ...] and returns
actions [B]; `observe` takes the batch step of
`agents.common.batched_environments`. `agents.common.acme_actor` runs it as
an `acme.core.Actor` on one dm_env environment (acme.EnvironmentLoop).
"""

from typing import Any, Optional

import numpy as np
import tensorflow as tf

from agents.common import actor_critic
from agents.common import batched_environments
from agents.common import unrolls


def sample_actions(logits: np.ndarray, rng: np.random.Generator) -> np.ndarray:
  """Samples one action per row of `logits` [B, A] (Gumbel-max), int32 [B].

  NumPy sampling keeps the actor's draws reproducible from its seed.
  """
  gumbel = -np.log(-np.log(rng.uniform(size=logits.shape) + 1e-20) + 1e-20)
  return np.argmax(logits + gumbel, axis=-1).astype(np.int32)


class UnrollActor:
  """Batched actor that writes an unroll per environment every T steps."""

  def __init__(self, network: actor_critic.ActorCriticNetwork,
               num_envs: int, config: Any,
               writer: Optional[unrolls.UnrollWriter] = None,
               variable_client: Optional[Any] = None,
               seed: int = 0, greedy: bool = False):
    """Creates the actor.

    Args:
      network: the policy; its variables are refreshed by `variable_client`.
      num_envs: B, environments served per call.
      config: unroll length and variable update period.
      writer: where finished unrolls go; None records nothing (evaluation).
      variable_client: has `update(wait)`, e.g.
        agents.common.variable_client.VariableClient.
      seed: seeds action sampling.
      greedy: take argmax actions instead of sampling.
    """
    self._network = network
    self._writer = writer
    self._variable_client = variable_client
    self._rng = np.random.default_rng(seed)
    self._greedy = greedy
    t, b, a = config.unroll_length, num_envs, network.num_actions
    shape = network.observation_shape
    self._t_max = t
    self._recurrent = bool(config.lstm_size)
    self._observation = np.zeros((t + 1, b) + shape, np.float32)
    self._first = np.zeros((t + 1, b), bool)
    self._action = np.zeros((t, b), np.int32)
    self._reward = np.zeros((t, b), np.float32)
    self._discount = np.zeros((t, b), np.float32)
    self._logits = np.zeros((t, b, a), np.float32)
    self._state = network.initial_state(b)
    self._start_state = self._state
    self._t = 0
    self.unrolls_written = 0

    @tf.function
    def policy(observation, first, state):
      (logits, _), state = network.step(observation, first, state)
      return logits, state
    self._policy = policy

  def observe_first(self, observation: np.ndarray) -> None:
    """Starts recording from the first observations [B, ...] of episodes."""
    self._observation[0] = observation
    self._first[0] = True
    self._t = 0
    self._start_state = self._state

  def select_action(self, observation: np.ndarray) -> np.ndarray:
    """Actions [B] for `observation` [B, ...], the latest observed batch."""
    logits, self._state = self._policy(
        tf.constant(observation), tf.constant(self._first[self._t]),
        self._state)
    logits = logits.numpy()
    if self._greedy:
      action = np.argmax(logits, axis=-1).astype(np.int32)
    else:
      action = sample_actions(logits, self._rng)
    self._logits[self._t] = logits
    self._action[self._t] = action
    return action

  def observe(self, action: np.ndarray,
              next_step: batched_environments.BatchStep) -> None:
    """Records the outcome of `action`; writes the unrolls every T steps."""
    del action  # Recorded by select_action.
    observation, reward, discount, first = next_step
    t = self._t
    self._reward[t] = reward
    self._discount[t] = discount
    self._observation[t + 1] = observation
    self._first[t + 1] = first
    self._t = t + 1
    if self._t == self._t_max:
      if self._writer is not None:
        self._writer.write(self._unroll_batch())
        self.unrolls_written += len(first)
      # The last observation of this unroll is the first of the next.
      self._observation[0] = self._observation[-1]
      self._first[0] = self._first[-1]
      self._start_state = self._state
      self._t = 0

  def _unroll_batch(self):
    """The current unrolls, batch-major, as `unrolls.signature` lays out."""
    batch = {
        'observation': unrolls.batch_major(self._observation),
        'first': unrolls.batch_major(self._first),
        'action': unrolls.batch_major(self._action),
        'reward': unrolls.batch_major(self._reward),
        'discount': unrolls.batch_major(self._discount),
        'behaviour_logits': unrolls.batch_major(self._logits),
    }
    if self._recurrent:
      batch['core_state'] = tuple(np.asarray(s) for s in self._start_state)
    return batch

  def update(self, wait: bool = False) -> None:
    if self._variable_client is not None:
      self._variable_client.update(wait)

