"""The DQN family's loss and priorities, through trfl's Q-learning ops.

  scalar head:  td = r + discount * Q'(x', argmax_a Q(x', a)) - Q(x, a)
                (double Q; plain Q-learning takes max_a Q'(x', a)),
                loss_i = Huber(td), priority_i = |td|
  C51 head:     target = projection of r + discount * z onto the support,
                under the distribution of Q' at the (double-Q) greedy action,
                loss_i = priority_i = cross-entropy(target, p(x, a))
  weights:      w_i from `agents.common.priorities` (1 without
                prioritized replay); loss = mean_i w_i loss_i

`discount` already holds gamma^n and the episode ends (see
`agents.dqn.transitions`). The same function gives the actors' initial Ape-X
priorities, with their one network standing in for the target network.
"""

from typing import Any, Dict, NamedTuple, Optional

import tensorflow as tf
import trfl

from agents.dqn import config as config_lib
from agents.dqn import networks


class LossOutput(NamedTuple):
  loss: tf.Tensor  # [B], before the importance weights.
  priority: tf.Tensor  # [B], the new priorities (before the exponent).


def huber(x: tf.Tensor, delta: float) -> tf.Tensor:
  """0.5 x^2 for |x| <= delta, delta (|x| - 0.5 delta) beyond."""
  abs_x = tf.abs(x)
  quadratic = tf.minimum(abs_x, delta)
  return 0.5 * tf.square(quadratic) + delta * (abs_x - quadratic)


def q_learning_loss(online_tm1: networks.QOutput, online_t: networks.QOutput,
                    target_t: networks.QOutput, transitions: Dict[str, Any],
                    config: config_lib.DQNConfig,
                    atoms: Optional[tf.Tensor] = None) -> LossOutput:
  """Per-transition loss and priority (module docstring).

  Args:
    online_tm1: the online network at `observation`.
    online_t: the online network at `next_observation` (selects the action
      when config.double_q).
    target_t: the target network at `next_observation` (evaluates it).
    transitions: a batch of `agents.dqn.transitions` fields, [B, ...].
    config: double_q, distributional, huber_delta, priority_epsilon.
    atoms: the C51 support [num_atoms] (network.atoms), when distributional.
  """
  action = transitions['action']
  reward = transitions['reward']
  discount = transitions['discount']
  if config.distributional:
    if config.double_q:
      loss, _ = trfl.categorical_dist_double_qlearning(
          atoms, online_tm1.logits, action, reward, discount, atoms,
          target_t.logits, online_t.q_values)
    else:
      loss, _ = trfl.categorical_dist_qlearning(
          atoms, online_tm1.logits, action, reward, discount, atoms,
          target_t.logits)
    return LossOutput(loss=loss, priority=loss + config.priority_epsilon)
  if config.double_q:
    _, extra = trfl.double_qlearning(online_tm1.q_values, action, reward,
                                     discount, target_t.q_values,
                                     online_t.q_values)
  else:
    _, extra = trfl.qlearning(online_tm1.q_values, action, reward, discount,
                              target_t.q_values)
  td_error = extra.td_error
  return LossOutput(loss=huber(td_error, config.huber_delta),
                    priority=tf.abs(td_error) + config.priority_epsilon)
