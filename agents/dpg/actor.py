"""The DPG family's actor: the deterministic policy plus Gaussian noise on a
batch of environments. Recording (n-step transitions, batched inserts,
initial priorities when replay is prioritized) is the DQN family's
`TransitionActor`; Ape-X DPG's initial priorities come from the actor's own
policy and critic, standing in for the learner's targets.
"""

from typing import Any, Optional

import numpy as np
import tensorflow as tf

from agents.dpg import config as config_lib
from agents.dpg import exploration
from agents.dpg import losses
from agents.dpg import networks
from agents.dqn import actor as dqn_actor
from agents.dqn import transitions as transitions_lib


class DPGActor(dqn_actor.TransitionActor):
  """Batched actor: pi(x) + Gaussian noise, clipped to the bounds."""

  def __init__(self, policy: networks.Policy,
               critic: Optional[networks.Critic], num_envs: int,
               observation_shape: Any, action_minimum: Any,
               action_maximum: Any, config: config_lib.DPGConfig,
               noise_scale: float,
               writer: Optional[transitions_lib.TransitionWriter] = None,
               variable_client: Optional[Any] = None, seed: int = 0,
               environment: Optional[Any] = None):
    """Creates the actor.

    Args:
      policy: refreshed by `variable_client`.
      critic: for initial priorities when config.prioritized and `writer`;
        else None.
      num_envs, config, writer, variable_client, environment: as
        TransitionActor's.
      observation_shape: of one observation.
      action_minimum, action_maximum: the bounds [A].
      noise_scale: this actor's (0: the policy's own actions).
      seed: seeds the noise.
    """
    self._minimum = np.asarray(action_minimum, np.float32)
    self._maximum = np.asarray(action_maximum, np.float32)
    super().__init__(num_envs, observation_shape, config, writer=writer,
                     variable_client=variable_client, environment=environment,
                     action_shape=self._minimum.shape)
    self.noise_scale = noise_scale
    self._rng = np.random.default_rng(seed)
    # No autograph: converting sonnet's and acme's modules took most of the
    # first call (3.7 s of a 5 s actor start-up).
    self._policy_fn = tf.function(policy, autograph=False)
    self._priorities = None
    if critic is not None:
      spec = tf.TensorSpec([None] + list(observation_shape), tf.float32)
      vector = lambda: tf.TensorSpec([None], tf.float32)
      transitions_spec = {
          'observation': spec,
          'action': tf.TensorSpec([None, self._minimum.size], tf.float32),
          'reward': vector(), 'discount': vector(),
          'next_observation': spec}

      # A fixed signature: batches vary in size and must not retrace.
      @tf.function(input_signature=[transitions_spec], autograph=False)
      def priorities(data):
        online_tm1 = critic(data['observation'], data['action'])
        next_observation = data['next_observation']
        online_t = critic(next_observation, policy(next_observation))
        return losses.critic_loss(online_tm1, online_t, data['reward'],
                                  data['discount'], critic.atoms,
                                  config.priority_epsilon).priority
      self._priorities = priorities

  def select_action(self, observation: np.ndarray) -> np.ndarray:
    """Actions [B, A] for observations [B, ...]."""
    self._observation = observation
    actions = self._policy_fn(tf.constant(observation)).numpy()
    return exploration.gaussian(actions, self.noise_scale, self._minimum,
                                self._maximum, self._rng)

  def priorities(self, batch: transitions_lib.Transitions) -> np.ndarray:
    """Initial priorities of `batch` under the actor's networks."""
    if self._priorities is None:
      raise ValueError('DPGActor: prioritized replay needs the critic.')
    return self._priorities(batch).numpy()
