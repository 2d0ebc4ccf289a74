"""The DPG family's learner: samples transitions from replay, updates the
critic (squared or categorical TD loss, importance-weighted with
prioritized replay) and the policy (the deterministic policy gradient
through the critic), writes the new priorities back, and moves the target
networks (Polyak after every update, or a copy every target_update_period).

The loop around the update (sampling, priorities, counting, logging) is
`agents.common.replay_learner`'s, as for the DQN family.
"""

from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import numpy as np
import sonnet as snt
import tensorflow as tf

from agents.common import priorities
from agents.common import remote_network
from agents.common import replay_learner
from agents.common import replay_samples
from agents.dpg import config as config_lib
from agents.dpg import losses
from agents.dpg import networks

VARIABLE_NAMES = ('policy', 'critic')  # What the learner serves.


class DPGLoss:
  """Both losses and their clipped gradients for the four networks.

  Shared by the learner that applies the gradients (`DPGLearner`) and the
  DPG-R worker that sends them to a parameter server.
  """

  def __init__(self, policy: networks.Policy, critic: networks.Critic,
               target_policy: networks.Policy,
               target_critic: networks.Critic, config: config_lib.DPGConfig):
    self.policy = policy
    self.critic = critic
    self.target_policy = target_policy
    self.target_critic = target_critic
    self.config = config

  def gradients(self, data: Dict[str, Any], probability: tf.Tensor,
                table_size: tf.Tensor
                ) -> Tuple[List[tf.Tensor], List[tf.Tensor],
                           Dict[str, tf.Tensor], tf.Tensor]:
    """Policy gradients, critic gradients (each clipped by global norm),
    metrics and priorities [B] of a batch of transitions."""
    config = self.config
    observation = data['observation']
    next_observation = data['next_observation']
    target_t = self.target_critic(next_observation,
                                  self.target_policy(next_observation))
    with tf.GradientTape() as critic_tape:
      online_tm1 = self.critic(observation, data['action'])
      out = losses.critic_loss(online_tm1, target_t, data['reward'],
                               data['discount'], self.critic.atoms,
                               config.priority_epsilon)
      critic_loss = priorities.weighted_mean(out.loss, probability,
                                             table_size, config)
    with tf.GradientTape() as policy_tape:
      preactivation = self.policy.preactivation(observation)
      action = self.policy.squash(preactivation)
      q_values = self.critic(observation, action).q_values
      policy_loss = tf.reduce_mean(
          losses.policy_loss(q_values, action) +
          config.preactivation_penalty * losses.preactivation_penalty(
              preactivation))
    critic_gradients, critic_norm = tf.clip_by_global_norm(
        critic_tape.gradient(critic_loss, self.critic.trainable_variables),
        config.max_gradient_norm)
    policy_gradients, policy_norm = tf.clip_by_global_norm(
        policy_tape.gradient(policy_loss, self.policy.trainable_variables),
        config.max_gradient_norm)
    metrics = {'critic_loss': critic_loss, 'policy_loss': policy_loss,
               'q_mean': tf.reduce_mean(online_tm1.q_values),
               'priority_mean': tf.reduce_mean(out.priority),
               'critic_gradient_norm': critic_norm,
               'policy_gradient_norm': policy_norm}
    return policy_gradients, critic_gradients, metrics, out.priority


def _adam(learning_rate: float, epsilon: float,
          variables: Sequence[tf.Variable]) -> snt.optimizers.Adam:
  """An Adam whose slots exist now (a checkpoint restored before the first
  step must find them, and a step that creates them is traced twice)."""
  optimizer = snt.optimizers.Adam(learning_rate, epsilon=epsilon)
  optimizer._initialize(variables)  # pylint: disable=protected-access
  return optimizer


class DPGLearner(replay_learner.ReplayLearner):
  """Consumes batches of transitions with continuous actions [B, A]."""

  def __init__(self, policy: networks.Policy, critic: networks.Critic,
               target_policy: networks.Policy,
               target_critic: networks.Critic, iterator: Iterator[Any],
               config: config_lib.DPGConfig,
               priority_writer: Optional[replay_samples.PriorityWriter] = None,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    """Creates the learner.

    Args:
      policy, critic: the online networks, trained in place.
      target_policy, target_critic: same architectures; set from the online
        networks now, then moved as config.target_update says.
      iterator: yields reverb.ReplaySample batches (info and data).
      config: loss, optimizer and replay options.
      priority_writer, counter, logger: as ReplayLearner's.
    """
    super().__init__(iterator, config.batch_size,
                     priority_writer=priority_writer, counter=counter,
                     logger=logger)
    self._loss = DPGLoss(policy, critic, target_policy, target_critic,
                         config)
    self._policy, self._critic = policy, critic
    self._target_policy, self._target_critic = target_policy, target_critic
    self._config = config
    self._policy_optimizer = _adam(config.policy_learning_rate,
                                   config.adam_epsilon,
                                   policy.trainable_variables)
    self._critic_optimizer = _adam(config.critic_learning_rate,
                                   config.adam_epsilon,
                                   critic.trainable_variables)
    # The lists, once: a Sonnet module walks its attributes for every
    # `variables`, which was 8% of the learner's time when the variable
    # server pulled every 0.1 s.
    self._served = {'policy': policy.variables, 'critic': critic.variables}
    self._pairs = list(zip(policy.variables + critic.variables,
                           target_policy.variables + target_critic.variables))
    self._move_targets(1.0)

  def _move_targets(self, tau: Any) -> None:
    """target <- tau online + (1 - tau) target, for both networks."""
    for online, target in self._pairs:
      target.assign(tau * online + (1.0 - tau) * target)

  # No autograph: no tensor-dependent Python control flow in the step.
  @tf.function(autograph=False)
  def _step(self, data, probability, table_size, tau):
    """One update of both networks, then the targets moved by `tau` (one
    call: a second tf.function per update would cost as much as the move)."""
    policy_gradients, critic_gradients, metrics, priority = (
        self._loss.gradients(data, probability, table_size))
    self._critic_optimizer.apply(critic_gradients,
                                 self._critic.trainable_variables)
    self._policy_optimizer.apply(policy_gradients,
                                 self._policy.trainable_variables)
    self._move_targets(tau)
    return metrics, priority

  def _tau(self) -> float:
    """How far this update moves the targets: Polyak's tau, or for hard
    copies 1 every target_update_period updates and 0 between."""
    config = self._config
    if config.target_update == 'polyak':
      return config.polyak_tau
    return float((self.num_steps + 1) % config.target_update_period == 0)

  def learn_from(self, sample: Any) -> Tuple[Dict[str, float], np.ndarray]:
    """One update on a ReplaySample; returns metrics and new priorities."""
    _, probability, table_size = replay_samples.sample_info(sample)
    metrics, priority = self._step(sample.data, probability, table_size,
                                   tf.constant(self._tau(), tf.float32))
    self._count_step()
    return {k: float(v) for k, v in metrics.items()}, priority.numpy()

  def get_variables(self, names: Sequence[str]) -> List[List[np.ndarray]]:
    """The online networks' weights for each name of VARIABLE_NAMES."""
    return [[v.numpy() for v in self._served[name]] for name in names]

  @property
  def state(self) -> Dict[str, Any]:
    """What a checkpoint keeps (acme's TFSaveable): the four networks, both
    optimizers with their slots, the update count."""
    return {'policy': self._policy, 'critic': self._critic,
            'target_policy': self._target_policy,
            'target_critic': self._target_critic,
            'policy_optimizer': self._policy_optimizer,
            'critic_optimizer': self._critic_optimizer,
            'num_steps': self._num_steps}


class AsyncDPGLearner(DPGLearner):
  """DPG-R's asynchronous worker learner (ADPG-R): computes the gradients
  of both networks on its batch and pushes them to their parameter shards,
  as Gorila's learners do, instead of applying them. Its targets follow the
  parameters it pulls (Polyak, or copies every target_update_period)."""

  def __init__(self, policy: networks.Policy, critic: networks.Critic,
               target_policy: networks.Policy,
               target_critic: networks.Critic, iterator: Iterator[Any],
               config: config_lib.DPGRConfig,
               policy_parameters: Any, critic_parameters: Any,
               priority_writer: Optional[replay_samples.PriorityWriter] = None,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    """As DPGLearner's, plus the shards (ShardedParameters) of each
    network; the shards' optimizers apply the updates."""
    super().__init__(policy, critic, target_policy, target_critic, iterator,
                     config, priority_writer=priority_writer,
                     counter=counter, logger=logger)
    self._remotes = (remote_network.RemoteNetwork(policy, policy_parameters),
                     remote_network.RemoteNetwork(critic, critic_parameters))
    self._move_targets(1.0)  # From the shards' start.

  @tf.function(autograph=False)
  def _gradients(self, data, probability, table_size, tau):
    """Both networks' gradients, then the targets moved by `tau` towards
    the parameters the last pull brought."""
    out = self._loss.gradients(data, probability, table_size)
    self._move_targets(tau)
    return out

  def learn_from(self, sample: Any) -> Tuple[Dict[str, float], np.ndarray]:
    """Computes and pushes the gradients of one batch; returns metrics and
    the batch's new priorities."""
    _, probability, table_size = replay_samples.sample_info(sample)
    policy_gradients, critic_gradients, metrics, priority = self._gradients(
        sample.data, probability, table_size,
        tf.constant(self._tau(), tf.float32))
    pull = (self._count_step() % self._config.parameter_pull_period == 0)
    for remote, gradients in zip(self._remotes,
                                 (policy_gradients, critic_gradients)):
      remote.push(gradients, pull=pull)
    return {k: float(v) for k, v in metrics.items()}, priority.numpy()

  def _extra_metrics(self) -> Dict[str, float]:
    return {'gradients_dropped_fraction': max(
        r.dropped_fraction for r in self._remotes)}

  @property
  def state(self) -> Dict[str, Any]:
    """Nothing to keep: the parameters live on the shards (which save
    themselves), and a restarted worker pulls them."""
    return {}
