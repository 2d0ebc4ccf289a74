"""PPO's maths: GAE(lambda) advantages and the clipped surrogate loss.

Time-major throughout: [T, B] per step, [T, B, A] for logits. `discounts`
are gamma times the environment discount, so they are 0 at the last step of
an episode and neither GAE nor the value target bootstraps across it.
"""

from typing import Dict, Tuple

import tensorflow as tf

from agents.ppo import config as config_lib


def gae(rewards: tf.Tensor, discounts: tf.Tensor, values: tf.Tensor,
        bootstrap_value: tf.Tensor,
        lambda_: float) -> Tuple[tf.Tensor, tf.Tensor]:
  """Generalised advantage estimates (Schulman et al. 2016, eq. 16).

    delta_t = r_t + d_t V(x_{t+1}) - V(x_t)
    A_t = delta_t + d_t lambda A_{t+1},  A_T = 0

  Args:
    rewards: [T, B].
    discounts: [T, B] gamma * environment discount.
    values: [T, B] V(x_t).
    bootstrap_value: [B] V(x_T).
    lambda_: GAE's lambda; 1 gives discounted returns minus V, 0 the TD error.

  Returns:
    advantages [T, B] and value targets A_t + V(x_t) [T, B], no gradient.
  """
  next_values = tf.concat([values[1:], bootstrap_value[None]], axis=0)
  deltas = rewards + discounts * next_values - values  # [T, B]

  def backward(advantage, inputs):
    delta, discount = inputs
    return delta + discount * lambda_ * advantage

  advantages = tf.scan(backward, (deltas, discounts),
                       initializer=tf.zeros_like(bootstrap_value),
                       reverse=True)  # [T, B]
  advantages = tf.stop_gradient(advantages)
  return advantages, tf.stop_gradient(advantages + values)


def log_probs(logits: tf.Tensor, actions: tf.Tensor) -> tf.Tensor:
  """log pi(a_t | x_t) [T, B] from logits [T, B, A] and actions [T, B]."""
  log_pi = tf.nn.log_softmax(logits)
  return tf.gather(log_pi, actions, axis=-1, batch_dims=2)


def ppo_loss(logits: tf.Tensor, values: tf.Tensor,
             behaviour_logits: tf.Tensor, actions: tf.Tensor,
             advantages: tf.Tensor, returns: tf.Tensor,
             old_values: tf.Tensor, clip_epsilon: tf.Tensor,
             config: config_lib.PPOConfig) -> Dict[str, tf.Tensor]:
  """The PPO loss (Schulman et al. 2017, eq. 9), averaged over [T, B].

    r_t = pi(a_t | x_t) / pi_old(a_t | x_t)
    L_clip = -mean(min(r_t A_t, clip(r_t, 1 - eps, 1 + eps) A_t))
    L_value = 0.5 mean((V - R)^2), or with config.value_clip the larger of
      that and 0.5 (V_old + clip(V - V_old, -c, c) - R)^2
    loss = L_clip + value_cost L_value - entropy_cost H[pi]

  Args:
    logits: [T, B, A] of the policy being trained (gradient flows).
    values: [T, B] its value predictions (gradient flows).
    behaviour_logits: [T, B, A] of the policy that acted, pi_old.
    actions: [T, B] int.
    advantages: [T, B] from `gae`; normalised here over [T, B] if
      config.normalize_advantages.
    returns: [T, B] value targets from `gae`.
    old_values: [T, B] value predictions at the start of the iteration.
    clip_epsilon: scalar epsilon (annealed by the learner).
    config: the loss weights and switches.

  Returns:
    {'loss', 'policy_loss', 'value_loss', 'entropy', 'clip_fraction',
     'approx_kl'} scalars.
  """
  if config.normalize_advantages:
    mean, variance = tf.nn.moments(advantages, axes=[0, 1])
    advantages = (advantages - mean) / (tf.sqrt(variance) + 1e-8)
  log_ratio = (log_probs(logits, actions) -
               log_probs(behaviour_logits, actions))  # [T, B]
  ratio = tf.exp(log_ratio)
  clipped = tf.clip_by_value(ratio, 1.0 - clip_epsilon, 1.0 + clip_epsilon)
  policy_loss = -tf.reduce_mean(tf.minimum(ratio * advantages,
                                           clipped * advantages))
  value_error = tf.square(values - returns)
  if config.value_clip > 0:
    clipped_values = old_values + tf.clip_by_value(
        values - old_values, -config.value_clip, config.value_clip)
    value_error = tf.maximum(value_error, tf.square(clipped_values - returns))
  value_loss = 0.5 * tf.reduce_mean(value_error)
  log_pi = tf.nn.log_softmax(logits)
  entropy = -tf.reduce_mean(tf.reduce_sum(tf.exp(log_pi) * log_pi, axis=-1))
  loss = (policy_loss + config.value_cost * value_loss -
          config.entropy_cost * entropy)
  clip_fraction = tf.reduce_mean(tf.cast(
      tf.abs(ratio - 1.0) > clip_epsilon, tf.float32))
  # The k3 estimator of KL(pi_old || pi) (Schulman's blog): >= 0, low
  # variance; a diagnostic only.
  approx_kl = tf.reduce_mean(ratio - 1.0 - log_ratio)
  return {'loss': loss, 'policy_loss': policy_loss, 'value_loss': value_loss,
          'entropy': entropy, 'clip_fraction': clip_fraction,
          'approx_kl': approx_kl}
