"""The invertible value rescaling of R2D2 (Pohlen et al. 2018, Kapturowski et
al. 2019), which lets one network fit returns of very different scales:

  h(x)      = sign(x) (sqrt(|x| + 1) - 1) + eps x
  h^-1(y)   = sign(y) (((sqrt(1 + 4 eps (|y| + 1 + eps)) - 1) / (2 eps))^2 - 1)

h^-1 is the exact inverse of h for eps > 0 (solve the quadratic in
u = sqrt(|x| + 1)). Both are computed in forms without cancellation, which
the textbook ones suffer near 0 in float32 (errors of ~1e-4 there):

  sqrt(|x| + 1) - 1  =  |x| / (sqrt(|x| + 1) + 1)
  u - 1              =  2 |y| / (1 + 2 eps + sqrt((1 + 2 eps)^2 + 4 eps |y|))
  |h^-1(y)|          =  u^2 - 1 = (u - 1) (u - 1 + 2)

Both take and return tensors of any shape.
"""

import tensorflow as tf

DEFAULT_EPSILON = 1e-3  # The papers' eps.


def rescale(x: tf.Tensor, epsilon: float = DEFAULT_EPSILON) -> tf.Tensor:
  """h(x), elementwise."""
  x = tf.convert_to_tensor(x)
  abs_x = tf.abs(x)
  return tf.sign(x) * abs_x / (tf.sqrt(abs_x + 1.0) + 1.0) + epsilon * x


def unrescale(y: tf.Tensor, epsilon: float = DEFAULT_EPSILON) -> tf.Tensor:
  """h^-1(y), elementwise; unrescale(rescale(x)) == x."""
  y = tf.convert_to_tensor(y)
  abs_y = tf.abs(y)
  a = 1.0 + 2.0 * epsilon
  u_minus_1 = 2.0 * abs_y / (a + tf.sqrt(a * a + 4.0 * epsilon * abs_y))
  return tf.sign(y) * u_minus_1 * (u_minus_1 + 2.0)
