"""IMPALA's loss: V-trace targets (trfl's op), policy gradient, baseline, entropy.

All tensors are time-major: [T, B] for per-step quantities, [T, B, A] for
logits. `discounts` are gamma times the environment discount, so they are 0
at the last step of an episode and V-trace does not bootstrap across it.
"""

from typing import Dict, NamedTuple

import tensorflow as tf
from trfl import vtrace_ops

from agents.impala import config as config_lib


class VTraceTargets(NamedTuple):
  vs: tf.Tensor  # [T, B] value targets.
  pg_advantages: tf.Tensor  # [T, B] rho-clipped advantages for the policy.
  log_rhos: tf.Tensor  # [T, B] log(pi(a|x) / mu(a|x)).


def vtrace_targets(behaviour_logits: tf.Tensor, target_logits: tf.Tensor,
                   actions: tf.Tensor, discounts: tf.Tensor,
                   rewards: tf.Tensor, values: tf.Tensor,
                   bootstrap_value: tf.Tensor,
                   config: config_lib.IMPALAConfig) -> VTraceTargets:
  """V-trace targets for one batch of unrolls, without gradient.

  Args:
    behaviour_logits: [T, B, A] logits of the actor's policy mu.
    target_logits: [T, B, A] logits of the learner's policy pi.
    actions: [T, B] int actions taken.
    discounts: [T, B] gamma * environment discount (0 at episode ends).
    rewards: [T, B].
    values: [T, B] V(x_t) under the learner's network.
    bootstrap_value: [B] V(x_T).
    config: supplies rho_bar and the policy-gradient rho clip.

  Returns:
    VTraceTargets with stop-gradient `vs` and `pg_advantages`.
  """
  target_logp = vtrace_ops.log_probs_from_logits_and_actions(target_logits, actions)
  behaviour_logp = vtrace_ops.log_probs_from_logits_and_actions(behaviour_logits,
                                                          actions)
  log_rhos = target_logp - behaviour_logp  # [T, B]
  returns = vtrace_ops.vtrace_from_importance_weights(
      log_rhos=tf.stop_gradient(log_rhos),
      discounts=discounts,
      rewards=rewards,
      values=tf.stop_gradient(values),
      bootstrap_value=tf.stop_gradient(bootstrap_value),
      clip_rho_threshold=config.clip_rho_threshold,
      clip_pg_rho_threshold=config.clip_pg_rho_threshold)
  return VTraceTargets(tf.stop_gradient(returns.vs),
                       tf.stop_gradient(returns.pg_advantages), log_rhos)


def impala_loss(behaviour_logits: tf.Tensor, target_logits: tf.Tensor,
                actions: tf.Tensor, discounts: tf.Tensor, rewards: tf.Tensor,
                values: tf.Tensor, bootstrap_value: tf.Tensor,
                config: config_lib.IMPALAConfig) -> Dict[str, tf.Tensor]:
  """The total IMPALA loss and its parts, averaged over [T, B].

  Args: as `vtrace_targets`; gradients flow through `target_logits` and
    `values` only.

  Returns:
    {'loss', 'policy_loss', 'baseline_loss', 'entropy', 'mean_rho'} scalars.
  """
  targets = vtrace_targets(behaviour_logits, target_logits, actions,
                           discounts, rewards, values, bootstrap_value, config)
  target_logp = vtrace_ops.log_probs_from_logits_and_actions(target_logits, actions)
  policy_loss = -tf.reduce_mean(target_logp * targets.pg_advantages)
  baseline_loss = 0.5 * tf.reduce_mean(tf.square(targets.vs - values))
  log_pi = tf.nn.log_softmax(target_logits)  # [T, B, A]
  entropy = -tf.reduce_mean(tf.reduce_sum(tf.exp(log_pi) * log_pi, axis=-1))
  loss = (policy_loss + config.baseline_cost * baseline_loss -
          config.entropy_cost * entropy)
  return {'loss': loss, 'policy_loss': policy_loss,
          'baseline_loss': baseline_loss, 'entropy': entropy,
          'mean_rho': tf.reduce_mean(tf.exp(targets.log_rhos))}
