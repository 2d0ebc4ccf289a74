"""PPO's GAE and clipped loss against NumPy loops written from the papers
(Schulman et al. 2016 eq. 16; Schulman et al. 2017 eq. 7 and 9)."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.ppo import config as config_lib
from agents.ppo import losses

T, B, A = 7, 3, 4


def reference_gae(rewards, discounts, values, bootstrap, lambda_):
  """The sum of (gamma lambda)^l delta_{t+l}, one environment at a time."""
  advantages = np.zeros((T, B))
  for b in range(B):
    for t in range(T):
      total, weight = 0.0, 1.0
      for k in range(t, T):
        next_value = values[k + 1, b] if k + 1 < T else bootstrap[b]
        delta = rewards[k, b] + discounts[k, b] * next_value - values[k, b]
        total += weight * delta
        weight *= discounts[k, b] * lambda_
        if weight == 0.0:
          break
      advantages[t, b] = total
  return advantages


def log_softmax(x):
  z = x - x.max(axis=-1, keepdims=True)
  return z - np.log(np.exp(z).sum(axis=-1, keepdims=True))


def reference_loss(logits, values, behaviour, actions, advantages, returns,
                   old_values, eps, config):
  """The loss terms, step by step."""
  if config.normalize_advantages:
    advantages = (advantages - advantages.mean()) / (advantages.std() + 1e-8)
  policy, value, entropy = [], [], []
  for t in range(T):
    for b in range(B):
      log_pi, log_mu = log_softmax(logits[t, b]), log_softmax(behaviour[t, b])
      ratio = np.exp(log_pi[actions[t, b]] - log_mu[actions[t, b]])
      adv = advantages[t, b]
      policy.append(-min(ratio * adv, np.clip(ratio, 1 - eps, 1 + eps) * adv))
      error = (values[t, b] - returns[t, b]) ** 2
      if config.value_clip:
        clipped = old_values[t, b] + np.clip(
            values[t, b] - old_values[t, b], -config.value_clip,
            config.value_clip)
        error = max(error, (clipped - returns[t, b]) ** 2)
      value.append(0.5 * error)
      entropy.append(-(np.exp(log_pi) * log_pi).sum())
  policy, value, entropy = map(np.mean, (policy, value, entropy))
  loss = policy + config.value_cost * value - config.entropy_cost * entropy
  return {'loss': loss, 'policy_loss': policy, 'value_loss': value,
          'entropy': entropy}


class GAETest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.default_rng(0)
    self.rewards = rng.normal(size=(T, B)).astype(np.float32)
    self.values = rng.normal(size=(T, B)).astype(np.float32)
    self.bootstrap = rng.normal(size=B).astype(np.float32)
    self.discounts = np.full((T, B), 0.9, np.float32)
    self.discounts[2, 0] = self.discounts[5, 2] = 0.0  # Episode ends.

  def test_matches_numpy_reference(self):
    advantages, returns = losses.gae(self.rewards, self.discounts,
                                     self.values, self.bootstrap, 0.95)
    expected = reference_gae(self.rewards, self.discounts, self.values,
                             self.bootstrap, 0.95)
    np.testing.assert_allclose(advantages, expected, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(returns, expected + self.values, rtol=1e-5,
                               atol=1e-5)

  def test_lambda_one_gives_discounted_returns_and_zero_the_td_error(self):
    _, returns = losses.gae(self.rewards, self.discounts, self.values,
                            self.bootstrap, 1.0)
    expected = np.zeros((T, B))
    ret = self.bootstrap.astype(np.float64)
    for t in reversed(range(T)):
      ret = self.rewards[t] + self.discounts[t] * ret
      expected[t] = ret
    np.testing.assert_allclose(returns, expected, rtol=1e-5, atol=1e-5)
    advantages, _ = losses.gae(self.rewards, self.discounts, self.values,
                               self.bootstrap, 0.0)
    next_values = np.concatenate([self.values[1:], self.bootstrap[None]])
    np.testing.assert_allclose(
        advantages, self.rewards + self.discounts * next_values - self.values,
        rtol=1e-5, atol=1e-5)

  def test_an_episode_end_cuts_the_advantage(self):
    advantages, _ = losses.gae(self.rewards, self.discounts, self.values,
                               self.bootstrap, 0.95)
    # Step 2 of env 0 ended its episode: its advantage is r - V alone.
    self.assertAlmostEqual(float(advantages[2, 0]),
                           self.rewards[2, 0] - self.values[2, 0], places=5)


class PPOLossTest(absltest.TestCase):

  def inputs(self, seed=1):
    rng = np.random.default_rng(seed)
    behaviour = rng.normal(size=(T, B, A)).astype(np.float32)
    # The new policy moves far enough that some ratios leave [0.8, 1.2].
    logits = behaviour + rng.normal(scale=0.5, size=(T, B, A)).astype(
        np.float32)
    return dict(
        logits=logits, behaviour_logits=behaviour,
        values=rng.normal(size=(T, B)).astype(np.float32),
        actions=rng.integers(0, A, (T, B)).astype(np.int32),
        advantages=rng.normal(size=(T, B)).astype(np.float32),
        returns=rng.normal(size=(T, B)).astype(np.float32),
        old_values=rng.normal(size=(T, B)).astype(np.float32))

  def check(self, config):
    x = self.inputs()
    got = losses.ppo_loss(x['logits'], x['values'], x['behaviour_logits'],
                          x['actions'], x['advantages'], x['returns'],
                          x['old_values'], tf.constant(0.2), config)
    expected = reference_loss(
        x['logits'], x['values'], x['behaviour_logits'], x['actions'],
        x['advantages'], x['returns'], x['old_values'], 0.2, config)
    for key, value in expected.items():
      self.assertAlmostEqual(float(got[key]), value, places=4, msg=key)
    self.assertGreater(float(got['clip_fraction']), 0.0)
    self.assertGreaterEqual(float(got['approx_kl']), 0.0)

  def test_matches_numpy_reference(self):
    self.check(config_lib.PPOConfig(entropy_cost=0.01, value_cost=0.5))

  def test_with_value_clip_and_raw_advantages(self):
    self.check(config_lib.PPOConfig(value_clip=0.2,
                                    normalize_advantages=False))

  def test_clipped_ratios_get_no_policy_gradient(self):
    x = self.inputs()
    config = config_lib.PPOConfig(entropy_cost=0.0,
                                  normalize_advantages=False)
    logits = tf.Variable(x['logits'])
    with tf.GradientTape() as tape:
      loss = losses.ppo_loss(logits, x['values'], x['behaviour_logits'],
                             x['actions'], x['advantages'], x['returns'],
                             x['old_values'], tf.constant(0.2),
                             config)['policy_loss']
    grad = tape.gradient(loss, logits).numpy()  # [T, B, A]
    log_ratio = (log_softmax(x['logits']) - log_softmax(
        x['behaviour_logits']))
    ratio = np.exp(np.take_along_axis(log_ratio, x['actions'][..., None],
                                      -1)[..., 0])
    adv = x['advantages']
    # min() picks the clipped term, constant in the logits, exactly where
    # the ratio left the interval on the side the advantage favours.
    flat = ((adv > 0) & (ratio > 1.2)) | ((adv < 0) & (ratio < 0.8))
    self.assertTrue(flat.any() and (~flat).any())
    np.testing.assert_array_equal(np.abs(grad[flat]).sum(-1), 0.0)
    self.assertTrue((np.abs(grad[~flat]).sum(-1) > 0).all())


if __name__ == '__main__':
  absltest.main()
