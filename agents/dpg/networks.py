"""The DPG family's networks (Sonnet): a deterministic policy and a critic.

  policy  pi(x) = lo + (tanh(f(x)) + 1) / 2 (hi - lo)        [B, A]
  critic  Q(x, a): scalar [B], or D4PG's categorical head: logits [B, Z]
          over the support atoms, Q = sum_z softmax(logits)_z atoms_z

Both torsos are acme's LayerNormMLP (Linear, LayerNorm, tanh, then ELU
layers, D4PG's). Weights are drawn from config.seed, so every node builds
the same initial networks; the policy's last layer is scaled down so that
the first actions sit near the middle of the bounds (acme's near-zero
initialised linear layer does the same).
"""

from typing import NamedTuple, Optional, Sequence, Tuple

from acme.tf import networks as acme_networks
import numpy as np
import sonnet as snt
import tensorflow as tf

from agents.common import weights
from agents.dpg import config as config_lib

POLICY_OUTPUT_SCALE = 1e-2  # Of the seeded weights of the policy's last layer.


class CriticOutput(NamedTuple):
  q_values: tf.Tensor  # [B]
  logits: Optional[tf.Tensor]  # [B, num_atoms] if distributional, else None.


class Policy(snt.Module):
  """Actions within the bounds from a batch of flat observations."""

  def __init__(self, action_minimum: Sequence[float],
               action_maximum: Sequence[float],
               hidden_sizes: Sequence[int]):
    super().__init__(name='policy')
    minimum = np.asarray(action_minimum, np.float32)
    maximum = np.asarray(action_maximum, np.float32)
    self._torso = acme_networks.LayerNormMLP(hidden_sizes,
                                             activate_final=True)
    self.head = snt.Linear(minimum.size, name='action')
    self._minimum = tf.constant(minimum)
    self._range = tf.constant(maximum - minimum)

  def preactivation(self, observation: tf.Tensor) -> tf.Tensor:
    """The head's output before the tanh [B, A]."""
    return self.head(self._torso(observation))

  def squash(self, preactivation: tf.Tensor) -> tf.Tensor:
    """Actions within the bounds from `preactivation`."""
    squashed = tf.tanh(preactivation)  # [-1, 1]
    return self._minimum + 0.5 * (squashed + 1.0) * self._range

  def __call__(self, observation: tf.Tensor) -> tf.Tensor:
    return self.squash(self.preactivation(observation))


class Critic(snt.Module):
  """Q(x, a) of flat observations and actions; scalar or categorical."""

  def __init__(self, hidden_sizes: Sequence[int],
               atoms: Optional[np.ndarray] = None):
    super().__init__(name='critic')
    self._torso = acme_networks.LayerNormMLP(hidden_sizes,
                                             activate_final=True)
    self.atoms = None if atoms is None else tf.constant(atoms, tf.float32)
    self._head = snt.Linear(1 if atoms is None else len(atoms), name='value')

  def __call__(self, observation: tf.Tensor,
               action: tf.Tensor) -> CriticOutput:
    out = self._head(self._torso(tf.concat([observation, action], axis=-1)))
    if self.atoms is None:
      return CriticOutput(q_values=out[:, 0], logits=None)
    q_values = tf.reduce_sum(tf.nn.softmax(out, axis=-1) * self.atoms, -1)
    return CriticOutput(q_values=q_values, logits=out)


def atoms(config: config_lib.DPGConfig) -> Optional[np.ndarray]:
  """The categorical critic's support, or None for a scalar critic."""
  if not config.distributional:
    return None
  return np.linspace(config.v_min, config.v_max, config.num_atoms,
                     dtype=np.float32)


def make_networks(observation_shape: Sequence[int],
                  action_minimum: Sequence[float],
                  action_maximum: Sequence[float],
                  config: config_lib.DPGConfig) -> Tuple[Policy, Critic]:
  """The policy and critic, variables created and seeded from config.seed."""
  policy = Policy(action_minimum, action_maximum, config.policy_hidden_sizes)
  critic = Critic(config.critic_hidden_sizes, atoms(config))
  observation = tf.zeros((1,) + tuple(observation_shape), tf.float32)
  critic(observation, policy(observation))
  weights.initialize_from_seed(policy, config.seed)
  weights.initialize_from_seed(critic, config.seed + 1)
  policy.head.w.assign(policy.head.w * POLICY_OUTPUT_SCALE)
  return policy, critic
