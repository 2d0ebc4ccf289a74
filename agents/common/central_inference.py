"""The policy of an action server (Stooke & Abbeel 2018; SEED RL): one
batched network call for the observations of many TF-free environment
workers, with the unrolls of each worker's environments recorded as its own
actor would record them.

A slot is one batch of environments that always comes back together: a
worker's environments (synchronous sampling) or one half of them
(alternating sampling). Each slot has its own `UnrollRecorder`, so the
queue items are exactly those of `agents.common.unroll_actor`; the learner
cannot tell central inference from actors' own.

Feed-forward policies only: an LSTM's state would have to follow each slot
through the batches (not built yet). With an MLP torso the server computes
the policy in NumPy on the pulled weights (`NumpyPolicy`): a profile of the
server on CartPole had the `tf.function` call at ~30% of its time and the
copies of new weights into TF variables at ~7%.
"""

from typing import Any, List, Optional, Sequence, Tuple

import numpy as np
import tensorflow as tf

from agents.common import actor_critic
from agents.common import batched_environments
from agents.common import unroll_actor
from agents.common import unrolls

class _Array:
  """A variable's value as NumPy; `assign` is all a VariableClient calls."""

  def __init__(self, value: np.ndarray):
    self.value = np.asarray(value)

  def assign(self, value: Any) -> None:
    self.value = np.asarray(value, np.float32)


class NumpyPolicy:
  """The policy logits of an MLP actor-critic network in NumPy.

  The torso is snt.nets.MLP with every layer ReLU-activated
  (`agents.common.networks.make_torso`), then the policy head; arrays are
  matched to layers by the network's variable names.
  """

  def __init__(self, network: actor_critic.ActorCriticNetwork):
    names = [v.name for v in network.variables]
    self.variables = [_Array(v.numpy()) for v in network.variables]
    by_name = dict(zip(names, self.variables))
    prefix = network.name + '/'

    def layer(scope):
      return by_name[f'{prefix}{scope}/w:0'], by_name[f'{prefix}{scope}/b:0']
    num_layers = sum(1 for n in names if n.startswith(prefix + 'mlp/') and
                     n.endswith('/w:0'))
    self._torso = [layer(f'mlp/linear_{i}') for i in range(num_layers)]
    self._head = layer('policy')

  def __call__(self, observation: np.ndarray) -> np.ndarray:
    """Logits [N, A] of observations [N, ...]."""
    h = observation.reshape(len(observation), -1)
    for w, b in self._torso:
      h = np.maximum(h @ w.value + b.value, 0.0)
    w, b = self._head
    return h @ w.value + b.value


def numpy_computable(config: Any, observation_shape: Any) -> bool:
  """Whether `NumpyPolicy` computes this config's network: MLP torso, no
  LSTM."""
  torso = config.torso
  if torso == 'auto':
    torso = 'conv' if len(observation_shape) == 3 else 'mlp'
  return torso == 'mlp' and not config.lstm_size


class CentralPolicy:
  """Batched actions for many slots, their unrolls recorded per slot."""

  def __init__(self, network: actor_critic.ActorCriticNetwork,
               slot_envs: Sequence[int], config: Any,
               writers: Optional[Sequence[Any]] = None,
               variable_client: Optional[Any] = None, seed: int = 0):
    """Creates the policy.

    Args:
      network: feed-forward actor-critic; refreshed by `variable_client`.
      slot_envs: environments of each slot.
      config: unroll_length, lstm_size (0).
      writers: one `unrolls.UnrollWriter` (or None) per slot.
      variable_client: has `update(wait)`.
      seed: seeds action sampling.
    """
    writers = writers or [None] * len(slot_envs)
    self._recorders = [
        unroll_actor.UnrollRecorder(network.observation_shape,
                                    network.num_actions, n, config, writer)
        for n, writer in zip(slot_envs, writers)]
    self._variable_client = variable_client
    self._rng = np.random.default_rng(seed)
    self._network = network
    self.observation_shape = network.observation_shape
    self._numpy = None
    if numpy_computable(config, network.observation_shape):
      self._numpy = NumpyPolicy(network)

    # Any number of slots per call: one trace for every batch size.
    @tf.function(input_signature=[tf.TensorSpec(
        (None,) + tuple(network.observation_shape), tf.float32)])
    def policy(observation):
      (logits, _), _ = network.step(
          observation, tf.zeros(tf.shape(observation)[:1], tf.bool), ())
      return logits
    self._policy = policy

  @property
  def variables(self) -> List[Any]:
    """What new weights are copied into (`assign`), in the network's
    variable order."""
    if self._numpy is not None:
      return self._numpy.variables
    return list(self._network.variables)

  def set_variable_client(self, variable_client: Any) -> None:
    self._variable_client = variable_client

  def unrolls_written(self, slot: int) -> int:
    return self._recorders[slot].unrolls_written

  def observe_first(self, slot: int, observation: np.ndarray) -> None:
    """The first observations [B_slot, ...] of a slot's environments."""
    self._recorders[slot].observe_first(observation)

  def observe(self, slot: int,
              next_step: batched_environments.BatchStep) -> None:
    """The outcome of the slot's last actions (writes finished unrolls)."""
    self._recorders[slot].observe(next_step)

  def compute(self, observations: Sequence[np.ndarray]
              ) -> Tuple[List[np.ndarray], List[np.ndarray]]:
    """Logits and sampled actions for each of `observations` (one array
    per slot), from one network call; nothing recorded."""
    observation = np.concatenate(observations)
    if self._numpy is not None:
      logits = self._numpy(observation).astype(np.float32)
    else:
      logits = self._policy(tf.constant(observation)).numpy()
    actions = unroll_actor.sample_actions(logits, self._rng)
    bounds = np.cumsum([len(o) for o in observations])[:-1]
    return np.split(logits, bounds), np.split(actions, bounds)

  def record(self, slot: int, logits: np.ndarray,
             actions: np.ndarray) -> None:
    """Records the logits and actions the slot got at its latest
    observation (after its `observe_first` or `observe`)."""
    self._recorders[slot].record_action(logits, actions)

  def update(self, wait: bool = False) -> None:
    """Takes newer variables if the client has them (`wait`: fetch now)."""
    if self._variable_client is not None:
      self._variable_client.update(wait)


def make_writers(replay: Optional[Any], num_slots: int,
                 should_stop: Any) -> List[Optional[Any]]:
  """One queue writer per slot (each its own Reverb trajectory writer)."""
  if replay is None:
    return [None] * num_slots
  return [unrolls.UnrollWriter(replay, unrolls.QUEUE_TABLE, should_stop)
          for _ in range(num_slots)]


def make_central_policy(variable_source: Any, replay: Optional[Any],
                        should_stop: Any, *, observation_shape: Any,
                        num_actions: int, slot_envs: Sequence[int],
                        config: Any, seed: int) -> CentralPolicy:
  """An action server's policy for an actor-critic agent (IMPALA, APPO):
  the agent's network with its seeded initial weights, refreshed from
  `variable_source` ('policy'), writing each slot's unrolls to `replay`."""
  from agents.common import variable_client as variable_client_lib  # pylint: disable=g-import-not-at-top
  network = actor_critic.make_network(observation_shape, num_actions, config)
  policy = CentralPolicy(network, slot_envs, config,
                         make_writers(replay, len(slot_envs), should_stop),
                         seed=seed)
  # New weights go where the policy reads them: NumPy arrays, or the
  # network's variables.
  policy.set_variable_client(variable_client_lib.VariableClient(
      variable_source, {'policy': policy.variables},
      update_period=config.variable_update_period))
  return policy
