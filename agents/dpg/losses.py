"""The DPG family's losses, through trfl's ops.

  critic, scalar:       td = r + discount * Q'(x', pi'(x')) - Q(x, a),
                        loss_i = td^2 / 2, priority_i = |td|
  critic, categorical:  D4PG: the target distribution r + discount * z under
                        Q'(x', pi'(x')) projected onto the support (trfl's
                        categorical_dist_td_learning), loss_i = priority_i =
                        cross-entropy(target, p(x, a))
  policy:               the deterministic policy gradient (Silver et al.
                        2014): grad = dQ(x, a)/da at a = pi(x) times
                        dpi(x)/dtheta, from trfl.dpg's loss
                        (stop_gradient(a + dQ/da) - a)^2 / 2, whose gradient
                        in a is -dQ/da; through the expected Q of a
                        categorical critic

  policy, penalty:      mean over action dimensions of the squared
                        pre-tanh activation, weighted by
                        config.preactivation_penalty (below)

`discount` already holds gamma^n and the episode ends
(`agents.dqn.transitions`). The critic loss gives the actors' initial Ape-X
priorities too, their one set of networks standing in for the targets.
trfl.dpg takes dQ/da with tf.gradients: call it inside a tf.function.
"""

from typing import NamedTuple, Optional

import tensorflow as tf
import trfl

from agents.dpg import networks


class LossOutput(NamedTuple):
  loss: tf.Tensor  # [B], before the importance weights.
  priority: tf.Tensor  # [B], the new priorities (before the exponent).


def critic_loss(online_tm1: networks.CriticOutput,
                target_t: networks.CriticOutput, reward: tf.Tensor,
                discount: tf.Tensor, atoms: Optional[tf.Tensor],
                priority_epsilon: float) -> LossOutput:
  """Per-transition critic loss and priority (module docstring).

  Args:
    online_tm1: the critic at (observation, action).
    target_t: the target critic at (next_observation, target policy's
      action there).
    reward, discount: [B] (n-step).
    atoms: the support [num_atoms] for a categorical critic, else None.
    priority_epsilon: added to every priority.
  """
  if atoms is not None:
    loss, _ = trfl.categorical_dist_td_learning(
        atoms, online_tm1.logits, reward, discount, atoms,
        tf.stop_gradient(target_t.logits))
    return LossOutput(loss=loss, priority=loss + priority_epsilon)
  target = tf.stop_gradient(reward + discount * target_t.q_values)
  td_error = target - online_tm1.q_values
  return LossOutput(loss=0.5 * tf.square(td_error),
                    priority=tf.abs(td_error) + priority_epsilon)


def policy_loss(q_values: tf.Tensor, action: tf.Tensor) -> tf.Tensor:
  """The DPG loss [B] of actions a = pi(x) [B, A] and Q(x, a) [B]; its
  gradient reaches only the policy (dQ/da is a constant to it)."""
  return trfl.dpg(q_values, action).loss


def preactivation_penalty(preactivation: tf.Tensor) -> tf.Tensor:
  """[B]: the mean square of the policy's pre-tanh activations [B, A].

  Where tanh saturates (|u| > ~9 in float32) its derivative is 0 and the
  DPG gradient with it: a policy pushed to a bound stays there. DPG-R on
  Pendulum did so in some runs (the policy's gradient norm exactly 0 for
  thousands of updates, returns -1,300 to -1,600 after 10,000). This
  penalty's gradient, 2u, pulls such a unit back; near 0 it is negligible
  (the "mean regularisation" of the pre-tanh values in Haarnoja et al.'s
  SAC code, weight 1e-3).
  """
  return tf.reduce_mean(tf.square(preactivation), axis=-1)
