"""Prioritized replay arithmetic shared by the DQN family and R2D2.

  importance weights  w_i = (N P(i))^-beta / max_j w_j   (Schaul et al. 2016)
  sequence priority   p = eta max_t |delta_t| + (1 - eta) mean_t |delta_t|
                      (Kapturowski et al. 2019, eta 0.9: a mean alone
                      washes out the one large error of a long sequence)
"""

from typing import Any

import tensorflow as tf


def importance_weights(probability: tf.Tensor, table_size: tf.Tensor,
                       exponent: float) -> tf.Tensor:
  """(N P(i))^-beta [B], normalised by the largest in the batch.

  Args:
    probability: P(i) [B], the sampling probabilities Reverb reports.
    table_size: N [B], the table's size at each sample.
    exponent: beta.
  """
  weights = tf.pow(tf.cast(table_size, tf.float32) *
                   tf.cast(probability, tf.float32), -exponent)
  return weights / tf.reduce_max(weights)


def sequence_priority(abs_td_error: tf.Tensor, eta: float) -> tf.Tensor:
  """R2D2's priority [B] of each sequence from its |TD errors| [T, B]."""
  return (eta * tf.reduce_max(abs_td_error, axis=0) +
          (1.0 - eta) * tf.reduce_mean(abs_td_error, axis=0))


def weighted_mean(loss: tf.Tensor, probability: tf.Tensor,
                  table_size: tf.Tensor, config: Any) -> tf.Tensor:
  """mean_i w_i loss_i over a batch [B]: importance weights when
  `config.prioritized` (with `config.importance_sampling_exponent`), else
  the plain mean."""
  if not config.prioritized:
    return tf.reduce_mean(loss)
  return tf.reduce_mean(importance_weights(
      probability, table_size, config.importance_sampling_exponent) * loss)
