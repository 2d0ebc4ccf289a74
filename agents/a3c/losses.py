"""A3C's loss over a rollout of t_max steps (Mnih et al. 2016, Algorithm S3),
the loss of trfl's `sequence_advantage_actor_critic_loss` (lambda 1):

  R_t   = r_t + gamma d_t R_{t+1},  R_T = V(x_T)     (n-step returns; d = 0
                                                      ends an episode)
  A_t   = R_t - V(x_t)                               (no gradient into R, A)
  loss  = sum_t [ -log pi(a_t | x_t) A_t
                  + baseline_cost (R_t - V(x_t))^2 / 2
                  - entropy_cost H(pi(. | x_t)) ]    per environment [B]

Time-major: [T, B, ...]. `unroll_loss` is the mean over the environments,
on the queue's unrolls (`agents.common.unrolls`): a worker's gradient, and
A2C's learner under central inference (`agents.a3c.learner`).
"""

from typing import Any, Dict, Tuple

import tensorflow as tf

from agents.a3c import config as config_lib


def n_step_returns(reward: tf.Tensor, discount: tf.Tensor,
                   bootstrap_value: tf.Tensor, gamma: float) -> tf.Tensor:
  """R_t = r_t + gamma d_t R_{t+1}, R_T = bootstrap; [T, B] -> [T, B].

  A Python loop over the static T: trfl's `tf.scan` version failed inside
  the workers' tf.function in local_mp processes ("Op type not registered
  ..._scan_while_cond"), though not in threads.
  """
  returns = []
  ret = bootstrap_value
  for t in reversed(range(reward.shape[0])):
    ret = reward[t] + gamma * discount[t] * ret
    returns.append(ret)
  return tf.stack(returns[::-1])


def rollout_loss(logits: tf.Tensor, values: tf.Tensor,
                 bootstrap_value: tf.Tensor, action: tf.Tensor,
                 reward: tf.Tensor, discount: tf.Tensor,
                 config: config_lib.A3CConfig) -> Tuple[tf.Tensor,
                                                        Dict[str, tf.Tensor]]:
  """(loss [B], extras) of a batch of rollouts.

  Args:
    logits: policy logits [T, B, A] at x_0 .. x_{T-1}.
    values: V(x_t) [T, B].
    bootstrap_value: V(x_T) [B].
    action, reward, discount: a_t, r_t and the environment's discount d_t
      after a_t, each [T, B].
    config: discount (gamma), entropy_cost, baseline_cost.

  Returns:
    loss [B] and {'returns', 'advantages' [T, B], 'entropy' [B]}.
  """
  logits, values, bootstrap_value, action, reward, discount = (
      tf.convert_to_tensor(x) for x in (logits, values, bootstrap_value,
                                        action, reward, discount))
  returns = tf.stop_gradient(n_step_returns(
      reward, discount, tf.stop_gradient(bootstrap_value), config.discount))
  advantages = returns - values  # [T, B]
  log_pi = tf.nn.log_softmax(logits)  # [T, B, A]
  log_pi_taken = tf.gather(log_pi, action, axis=-1, batch_dims=2)  # [T, B]
  entropy = -tf.reduce_sum(tf.exp(log_pi) * log_pi, axis=-1)  # [T, B]
  policy_loss = -log_pi_taken * tf.stop_gradient(advantages)
  baseline_loss = 0.5 * tf.square(advantages)
  loss = tf.reduce_sum(policy_loss + config.baseline_cost * baseline_loss -
                       config.entropy_cost * entropy, axis=0)
  return loss, {'returns': returns, 'advantages': advantages,
                'entropy': tf.reduce_sum(entropy, axis=0)}


def unroll_loss(logits: tf.Tensor, values: tf.Tensor, data: Dict[str, Any],
                config: config_lib.A3CConfig) -> Dict[str, tf.Tensor]:
  """{'loss', 'entropy'}: `rollout_loss` averaged over the environments
  [B] (`agents.common.unroll_learner.UnrollLoss`).

  Args:
    logits: [T + 1, B, A] and values [T + 1, B] at x_0 .. x_T (x_T only
      bootstraps).
    values: see logits.
    data: the time-major unrolls (action, reward, discount [T, B]).
    config: as `rollout_loss`.
  """
  loss, extra = rollout_loss(logits[:-1], values[:-1], values[-1],
                             data['action'], data['reward'], data['discount'],
                             config)
  return {'loss': tf.reduce_mean(loss),
          'entropy': tf.reduce_mean(extra['entropy'])}
