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


class UnrollRecorder:
  """The unrolls of B environments: buffers filled step by step, written
  (one item per environment) every T steps.

  The actor's bookkeeping without its policy, so that a policy call made
  elsewhere (an action server, for many workers at once) records the same
  items as an actor's own.
  """

  def __init__(self, observation_shape: Any, num_actions: int,
               num_envs: int, config: Any,
               writer: Optional[unrolls.UnrollWriter] = None,
               initial_state: Any = ()):
    """Creates the recorder.

    Args:
      observation_shape: of one observation.
      num_actions: A.
      num_envs: B.
      config: unroll_length (T) and lstm_size (0: no core_state field).
      writer: where finished unrolls go; None records nothing.
      initial_state: the policy's recurrent state before the first step.
    """
    t, b = config.unroll_length, num_envs
    self._writer = writer
    self._t_max = t
    self._recurrent = bool(config.lstm_size)
    self._observation = np.zeros((t + 1, b) + tuple(observation_shape),
                                 np.float32)
    self._first = np.zeros((t + 1, b), bool)
    self._action = np.zeros((t, b), np.int32)
    self._reward = np.zeros((t, b), np.float32)
    self._discount = np.zeros((t, b), np.float32)
    self._logits = np.zeros((t, b, num_actions), np.float32)
    self._start_state = initial_state
    self._t = 0
    self.unrolls_written = 0

  @property
  def first(self) -> np.ndarray:
    """[B] whether the latest observations start episodes."""
    return self._first[self._t]

  def observe_first(self, observation: np.ndarray, state: Any = ()) -> None:
    """Starts recording from the first observations [B, ...] of episodes."""
    self._observation[0] = observation
    self._first[0] = True
    self._t = 0
    self._start_state = state

  def record_action(self, logits: np.ndarray, action: np.ndarray) -> None:
    """The policy's logits [B, A] and actions [B] at the latest step."""
    self._logits[self._t] = logits
    self._action[self._t] = action

  def observe(self, next_step: batched_environments.BatchStep,
              state: Any = ()) -> None:
    """Records the outcome of the recorded actions; writes the unrolls
    every T steps. `state`: the policy's recurrent state now."""
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
      self._start_state = state
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


def choose_actions(logits: np.ndarray, rng: np.random.Generator,
                   greedy: bool) -> np.ndarray:
  """int32 [B] actions: argmax if `greedy`, else samples of `logits`."""
  if greedy:
    return np.argmax(logits, axis=-1).astype(np.int32)
  return sample_actions(logits, rng)


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
    self._variable_client = variable_client
    self._rng = np.random.default_rng(seed)
    self._greedy = greedy
    self._state = network.initial_state(num_envs)
    self._recorder = UnrollRecorder(
        network.observation_shape, network.num_actions, num_envs, config,
        writer, self._state)

    @tf.function
    def policy(observation, first, state):
      (logits, _), state = network.step(observation, first, state)
      return logits, state
    self._policy = policy

  @property
  def unrolls_written(self) -> int:
    return self._recorder.unrolls_written

  def observe_first(self, observation: np.ndarray) -> None:
    """Starts recording from the first observations [B, ...] of episodes."""
    self._recorder.observe_first(observation, self._state)

  def select_action(self, observation: np.ndarray) -> np.ndarray:
    """Actions [B] for `observation` [B, ...], the latest observed batch."""
    logits, self._state = self._policy(
        tf.constant(observation), tf.constant(self._recorder.first),
        self._state)
    logits = logits.numpy()
    action = choose_actions(logits, self._rng, self._greedy)
    self._recorder.record_action(logits, action)
    return action

  def observe(self, action: np.ndarray,
              next_step: batched_environments.BatchStep) -> None:
    """Records the outcome of `action`; writes the unrolls every T steps."""
    del action  # Recorded by select_action.
    self._recorder.observe(next_step, self._state)

  def update(self, wait: bool = False) -> None:
    if self._variable_client is not None:
      self._variable_client.update(wait)
