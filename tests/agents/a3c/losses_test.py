"""A3C's rollout loss against a NumPy loop from the paper (Mnih et al.
2016, Algorithm S3) and against trfl's loss: n-step returns, advantages,
losses."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.a3c import config as config_lib
from agents.a3c import losses

T, B, A = 6, 3, 4
CONFIG = config_lib.A3CConfig(discount=0.9, entropy_cost=0.01,
                              baseline_cost=0.5)


def reference(logits, values, bootstrap, action, reward, discount):
  """Per-environment loss, returns and advantages, one step at a time."""
  returns = np.zeros((T, B))
  loss = np.zeros(B)
  for b in range(B):
    ret = bootstrap[b]
    for t in reversed(range(T)):
      ret = reward[t, b] + 0.9 * discount[t, b] * ret
      returns[t, b] = ret
    for t in range(T):
      z = logits[t, b] - logits[t, b].max()
      log_pi = z - np.log(np.exp(z).sum())
      advantage = returns[t, b] - values[t, b]
      entropy = -(np.exp(log_pi) * log_pi).sum()
      loss[b] += (-log_pi[action[t, b]] * advantage +
                  0.5 * 0.5 * advantage ** 2 - 0.01 * entropy)
  return loss, returns, returns - values


class RolloutLossTest(absltest.TestCase):

  def test_matches_numpy_reference(self):
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(T, B, A)).astype(np.float32)
    values = rng.normal(size=(T, B)).astype(np.float32)
    bootstrap = rng.normal(size=B).astype(np.float32)
    action = rng.integers(0, A, (T, B)).astype(np.int32)
    reward = rng.normal(size=(T, B)).astype(np.float32)
    discount = np.ones((T, B), np.float32)
    discount[2, 0] = discount[4, 2] = 0.0  # Episode ends cut the returns.
    loss, extra = losses.rollout_loss(logits, values, bootstrap, action,
                                      reward, discount, CONFIG)
    expected_loss, returns, advantages = reference(
        logits, values, bootstrap, action, reward, discount)
    np.testing.assert_allclose(extra['returns'], returns, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(extra['advantages'], advantages, rtol=1e-5,
                               atol=1e-5)
    np.testing.assert_allclose(loss, expected_loss, rtol=1e-4, atol=1e-4)
    # Env 0's return at step 2 is its reward alone (the episode ended).
    self.assertAlmostEqual(float(extra['returns'][2, 0]), reward[2, 0],
                           places=5)

  def test_equals_trfls_advantage_actor_critic_loss(self):
    import trfl  # pylint: disable=g-import-not-at-top
    rng = np.random.default_rng(2)
    logits = rng.normal(size=(T, B, A)).astype(np.float32)
    values = rng.normal(size=(T, B)).astype(np.float32)
    bootstrap = rng.normal(size=B).astype(np.float32)
    action = rng.integers(0, A, (T, B)).astype(np.int32)
    reward = rng.normal(size=(T, B)).astype(np.float32)
    discount = (rng.uniform(size=(T, B)) > 0.2).astype(np.float32)
    loss, _ = losses.rollout_loss(logits, values, bootstrap, action, reward,
                                  discount, CONFIG)
    expected = trfl.sequence_advantage_actor_critic_loss(
        tf.constant(logits), tf.constant(values), tf.constant(action),
        tf.constant(reward), tf.constant(0.9 * discount),
        tf.constant(bootstrap), entropy_cost=0.01, baseline_cost=0.5).loss
    np.testing.assert_allclose(loss, expected, rtol=1e-5, atol=1e-5)

  def test_gradients_flow_into_logits_and_values_only(self):
    rng = np.random.default_rng(1)
    logits = tf.Variable(rng.normal(size=(T, B, A)).astype(np.float32))
    values = tf.Variable(rng.normal(size=(T, B)).astype(np.float32))
    bootstrap = tf.Variable(rng.normal(size=B).astype(np.float32))
    with tf.GradientTape() as tape:
      loss, _ = losses.rollout_loss(
          logits, values, bootstrap, np.zeros((T, B), np.int32),
          np.ones((T, B), np.float32), np.ones((T, B), np.float32), CONFIG)
      total = tf.reduce_sum(loss)
    g_logits, g_values, g_bootstrap = tape.gradient(
        total, [logits, values, bootstrap])
    self.assertGreater(float(tf.reduce_sum(tf.abs(g_logits))), 0)
    self.assertGreater(float(tf.reduce_sum(tf.abs(g_values))), 0)
    self.assertIsNone(g_bootstrap)  # The bootstrap is a fixed target.


class ConfigTest(absltest.TestCase):

  def test_checks_name_the_field(self):
    for kwargs in (dict(unroll_length=0), dict(discount=1.5),
                   dict(optimizer='lbfgs'), dict(entropy_cost=-1.0),
                   dict(lstm_size=-1)):
      with self.assertRaisesRegex(ValueError, list(kwargs)[0]):
        config_lib.A3CConfig(**kwargs)
    self.assertTrue(config_lib.A2CConfig().synchronous)
    self.assertFalse(config_lib.A3CConfig().synchronous)


if __name__ == '__main__':
  absltest.main()
