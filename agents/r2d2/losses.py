"""R2D2's loss and sequence priorities (Kapturowski et al. 2019, sec. 2-3).

On the part of a sequence after the burn-in, steps t = 0 .. T-1 (time-major):

  v_t      = h^-1(Q'(x_t, argmax_a Q(x_t, a)))          double Q, unrescaled
  G_t      = sum_{k<m} w_k r_{t+k} + w_m v_{t+m},  m = min(n, T-1-t),
             w_0 = 1, w_{k+1} = w_k gamma d_{t+k}       (d = 0 ends an episode,
                                                         so nothing crosses it)
  delta_t  = h(G_t) - Q(x_t, a_t)                       for t = 0 .. T-2
  loss     = mean_t delta_t^2 / 2, importance-weighted over the batch
  priority = eta max_t |delta_t| + (1 - eta) mean_t |delta_t|

Q is the online network, Q' the target network, both unrolled from the
state stored with the sequence after a burn-in of `burn_in` steps through
which no gradient flows. The last step only bootstraps: near the end of a
sequence the return has fewer than n rewards. The actors use the same
function for initial priorities, their recorded Q-values standing for Q and
Q' (as Ape-X's actors do).
"""

from typing import Any, Dict, NamedTuple, Tuple

import tensorflow as tf

from agents.common import priorities
from agents.common import value_rescaling
from agents.dqn import learner as dqn_learner
from agents.r2d2 import config as config_lib
from agents.r2d2 import networks


class SequenceLoss(NamedTuple):
  loss: tf.Tensor  # [B], before the importance weights.
  priority: tf.Tensor  # [B]
  td_error: tf.Tensor  # [T - 1, B]


def _taken(q_values: tf.Tensor, action: tf.Tensor) -> tf.Tensor:
  """q_values [T, B, A] at action [T, B] -> [T, B]."""
  return tf.gather(q_values, action, axis=-1, batch_dims=2)


def sequence_loss(q_online: tf.Tensor, q_target: tf.Tensor, action: tf.Tensor,
                  reward: tf.Tensor, discount: tf.Tensor,
                  config: config_lib.R2D2Config) -> SequenceLoss:
  """Per-sequence loss and priority (module docstring).

  Args:
    q_online: Q [T, B, A], rescaled, from the online network.
    q_target: Q' [T, B, A], rescaled, from the target network.
    action: a_t [T, B] int32.
    reward: r_t [T, B], after a_t.
    discount: d_t [T, B], the environment's discount after a_t (0 where the
      episode ended at t).
    config: discount (gamma), n_step, value_rescaling_epsilon, priority_eta,
      priority_epsilon.
  """
  t = q_online.shape[0]
  n, gamma = config.n_step, config.discount
  eps = config.value_rescaling_epsilon
  greedy = tf.argmax(q_online, axis=-1, output_type=tf.int32)  # [T, B]
  bootstrap = value_rescaling.unrescale(_taken(q_target, greedy), eps)
  # Pad the T - 1 learnable steps with n steps of nothing, so that the k-th
  # reward of every t is one slice.
  pad = tf.zeros([n, tf.shape(reward)[1]], reward.dtype)  # [n, B]
  reward_pad = tf.concat([reward[:t - 1], pad], 0)  # [T - 1 + n, B]
  discount_pad = tf.concat([discount[:t - 1], pad], 0)
  has_step = tf.concat([tf.ones_like(reward[:t - 1]), pad], 0)
  returns = tf.zeros_like(reward[:t - 1])  # [T - 1, B]
  weight = tf.ones_like(returns)
  for k in range(n):
    returns += weight * reward_pad[k:k + t - 1]
    valid = has_step[k:k + t - 1] > 0  # Step t + k exists: t + k <= T - 2.
    weight = tf.where(valid, weight * gamma * discount_pad[k:k + t - 1],
                      weight)
  # v at min(t + n, T - 1): the sequence's last value past its end.
  last = tf.repeat(bootstrap[-1:], n, axis=0)
  bootstrap_at = tf.concat([bootstrap, last], 0)[n:n + t - 1]  # [T - 1, B]
  target = value_rescaling.rescale(returns + weight * bootstrap_at, eps)
  td_error = tf.stop_gradient(target) - _taken(q_online[:t - 1],
                                               action[:t - 1])
  abs_td = tf.abs(td_error)
  return SequenceLoss(
      loss=0.5 * tf.reduce_mean(tf.square(td_error), axis=0),
      priority=(priorities.sequence_priority(abs_td, config.priority_eta) +
                config.priority_epsilon),
      td_error=td_error)


def time_major(x: tf.Tensor) -> tf.Tensor:
  """[B, T, ...] -> [T, B, ...]."""
  x = tf.convert_to_tensor(x)
  perm = [1, 0] + list(range(2, x.shape.rank))
  return tf.transpose(x, perm)


def burn_in(network: networks.RecurrentQNetwork, observation: tf.Tensor,
            first: tf.Tensor, state: networks.State) -> networks.State:
  """The state after unrolling observation [K, B, ...]; no gradient flows."""
  if observation.shape[0] == 0:
    return state
  _, state = network.unroll(observation, first, state)
  return tf.nest.map_structure(tf.stop_gradient, state)


class R2D2Loss(dqn_learner.DQNLoss):
  """The loss of a batch of sequences for an online/target network pair.

  `gradients` (clipping) is DQNLoss's; this computes the loss itself.
  """

  def __call__(self, data: Dict[str, Any], probability: tf.Tensor,
               table_size: tf.Tensor) -> Tuple[tf.Tensor,
                                               Dict[str, tf.Tensor],
                                               tf.Tensor]:
    """(scalar loss, metrics, priorities [B]) of a batch of sequences.

    Args:
      data: `agents.r2d2.sequences` fields, batch-major [B, L, ...].
      probability, table_size: [B], from the replay sample.
    """
    config = self.config
    k = config.burn_in
    observation = time_major(data['observation'])  # [L, B, ...]
    first = time_major(data['first'])  # [L, B]
    state = networks.State(hidden=data['core_hidden'],
                           cell=data['core_cell'])  # [B, H] each
    online_state = burn_in(self.network, observation[:k], first[:k], state)
    target_state = burn_in(self.target_network, observation[:k], first[:k],
                           state)
    q_online, _ = self.network.unroll(observation[k:], first[k:],
                                      online_state)  # [T, B, A]
    q_target, _ = self.target_network.unroll(observation[k:], first[k:],
                                             target_state)
    out = sequence_loss(q_online, q_target,
                        time_major(data['action'])[k:],
                        time_major(data['reward'])[k:],
                        time_major(data['discount'])[k:], config)
    importance = priorities.importance_weights(
        probability, table_size, config.importance_sampling_exponent)
    loss = tf.reduce_mean(importance * out.loss)
    metrics = {'loss': loss, 'q_mean': tf.reduce_mean(q_online),
               'priority_mean': tf.reduce_mean(out.priority)}
    return loss, metrics, out.priority
