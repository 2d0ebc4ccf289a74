"""h and h^-1 of agents.common.value_rescaling against the formulas in NumPy."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.common import value_rescaling

EPS = 1e-3


def reference_h(x):
  return np.sign(x) * (np.sqrt(np.abs(x) + 1.0) - 1.0) + EPS * x


class ValueRescalingTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.default_rng(0)
    # Returns of every scale, both signs, and the special points 0 and +-1.
    self.x = np.concatenate([
        rng.normal(size=200) * 10.0 ** rng.integers(-3, 4, size=200),
        [0.0, 1.0, -1.0, 500.0, -500.0]]).astype(np.float32)

  def test_h_matches_numpy(self):
    np.testing.assert_allclose(value_rescaling.rescale(self.x, EPS),
                               reference_h(self.x.astype(np.float64)),
                               rtol=1e-5, atol=1e-6)

  def test_inverse_round_trip_float32(self):
    x = tf.constant(self.x)
    back = value_rescaling.unrescale(value_rescaling.rescale(x, EPS), EPS)
    self.assertEqual(back.dtype, tf.float32)
    # To float32 precision: a few ulps (2^-23 = 1.2e-7) of each value, down
    # to the smallest magnitudes (the textbook forms are off by ~1e-4 there).
    np.testing.assert_allclose(back, self.x, rtol=1e-6, atol=0)
    forth = value_rescaling.rescale(value_rescaling.unrescale(x, EPS), EPS)
    np.testing.assert_allclose(forth, self.x, rtol=1e-6, atol=0)

  def test_inverse_matches_numpy_solution(self):
    # h^-1 by bisection on the monotone h, in float64.
    y = reference_h(np.array([-300.0, -2.5, 0.0, 0.3, 7.0, 450.0]))
    lo, hi = np.full(y.shape, -1e4), np.full(y.shape, 1e4)
    for _ in range(200):
      mid = (lo + hi) / 2
      below = reference_h(mid) < y
      lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    np.testing.assert_allclose(
        value_rescaling.unrescale(tf.constant(y, tf.float64), EPS),
        (lo + hi) / 2, rtol=1e-9, atol=1e-9)

  def test_compresses_large_values(self):
    self.assertLess(float(value_rescaling.rescale(tf.constant(400.0), EPS)),
                    20.0)


if __name__ == '__main__':
  absltest.main()
