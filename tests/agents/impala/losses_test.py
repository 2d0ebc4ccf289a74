"""IMPALA's use of trfl's V-trace against a NumPy loop of the paper's
equations (Espeholt et al. 2018, Section 4.1 and Remark 1)."""

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from agents.impala import config as config_lib
from agents.impala import losses


def _softmax(logits):
  e = np.exp(logits - logits.max(-1, keepdims=True))
  return e / e.sum(-1, keepdims=True)


def reference_vtrace(behaviour_logits, target_logits, actions, discounts,
                     rewards, values, bootstrap, rho_bar, pg_rho_bar,
                     c_bar=1.0):
  """v_s and pg advantages by the explicit sums of the paper, no recursion.

  v_s = V(x_s) + sum_{t=s}^{T-1} (prod_{i=s}^{t-1} gamma_i c_i) delta_t
  delta_t = rho_t (r_t + gamma_t V(x_{t+1}) - V(x_t))
  A_s = rho^pg_s (r_s + gamma_s v_{s+1} - V(x_s)),  v_T = V(x_T).
  Shapes time-major: [T, B] (logits [T, B, A]).
  """
  t_len, batch = rewards.shape
  pi = _softmax(target_logits)
  mu = _softmax(behaviour_logits)
  ratio = np.zeros((t_len, batch))
  for t in range(t_len):
    for b in range(batch):
      a = actions[t, b]
      ratio[t, b] = pi[t, b, a] / mu[t, b, a]
  rho = np.minimum(rho_bar, ratio)
  c = np.minimum(c_bar, ratio)
  next_values = np.concatenate([values[1:], bootstrap[None]], axis=0)
  vs = np.zeros((t_len, batch))
  for b in range(batch):
    for s in range(t_len):
      total = values[s, b]
      for t in range(s, t_len):
        product = 1.0
        for i in range(s, t):
          product *= discounts[i, b] * c[i, b]
        delta = rho[t, b] * (rewards[t, b] + discounts[t, b] *
                             next_values[t, b] - values[t, b])
        total += product * delta
      vs[s, b] = total
  next_vs = np.concatenate([vs[1:], bootstrap[None]], axis=0)
  pg_rho = np.minimum(pg_rho_bar, ratio)
  advantages = pg_rho * (rewards + discounts * next_vs - values)
  return vs, advantages


class VTraceTest(parameterized.TestCase):

  @parameterized.named_parameters(
      ('batch1', 1, 6, None, 1.0),
      ('batch5', 5, 7, None, 1.0),
      ('episode_end_inside', 5, 8, 3, 1.0),
      ('no_clipping', 4, 6, None, 1e6),
      ('episode_end_no_clipping', 3, 9, 5, 1e6),
  )
  def test_targets_match_paper(self, batch, t_len, end_at, rho_bar):
    rng = np.random.default_rng(batch * 100 + t_len)
    num_actions = 3
    # Wide logits so that importance ratios go well past the clip at 1.
    behaviour_logits = rng.normal(size=(t_len, batch, num_actions)) * 2
    target_logits = rng.normal(size=(t_len, batch, num_actions)) * 2
    actions = rng.integers(num_actions, size=(t_len, batch))
    rewards = rng.normal(size=(t_len, batch))
    values = rng.normal(size=(t_len, batch))
    bootstrap = rng.normal(size=(batch,))
    discounts = np.full((t_len, batch), 0.9)
    if end_at is not None:
      discounts[end_at, :] = 0.0  # The episode ends after step end_at.
    config = config_lib.IMPALAConfig(clip_rho_threshold=rho_bar,
                                     clip_pg_rho_threshold=rho_bar)
    ours = losses.vtrace_targets(
        tf.constant(behaviour_logits, tf.float32),
        tf.constant(target_logits, tf.float32), tf.constant(actions, tf.int32),
        tf.constant(discounts, tf.float32), tf.constant(rewards, tf.float32),
        tf.constant(values, tf.float32), tf.constant(bootstrap, tf.float32),
        config)
    vs, advantages = reference_vtrace(behaviour_logits, target_logits,
                                      actions, discounts, rewards, values,
                                      bootstrap, rho_bar, rho_bar)
    ratio = np.exp(ours.log_rhos.numpy())
    self.assertGreater(ratio.max(), 1.0)  # The clip is exercised.
    np.testing.assert_allclose(ours.vs.numpy(), vs, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(ours.pg_advantages.numpy(), advantages,
                               rtol=1e-4, atol=1e-4)

  def test_episode_end_cuts_bootstrap(self):
    """With discount 0 at the last step the bootstrap value has no effect."""
    config = config_lib.IMPALAConfig()
    logits = tf.zeros([4, 2, 3])
    args = dict(behaviour_logits=logits, target_logits=logits,
                actions=tf.zeros([4, 2], tf.int32),
                discounts=tf.constant([[0.9] * 2] * 3 + [[0.0] * 2]),
                rewards=tf.ones([4, 2]), values=tf.zeros([4, 2]),
                config=config)
    a = losses.vtrace_targets(bootstrap_value=tf.constant([0., 0.]), **args)
    b = losses.vtrace_targets(bootstrap_value=tf.constant([100., -5.]), **args)
    np.testing.assert_allclose(a.vs.numpy(), b.vs.numpy())
    # On-policy, no clipping active: v_s is the discounted return.
    np.testing.assert_allclose(a.vs.numpy()[:, 0],
                               [1 + .9 + .81 + .729, 1 + .9 + .81, 1.9, 1.0],
                               rtol=1e-5)


class LossTest(absltest.TestCase):

  def test_loss_terms_match_numpy(self):
    rng = np.random.default_rng(0)
    t_len, batch, num_actions = 5, 3, 4
    behaviour = rng.normal(size=(t_len, batch, num_actions))
    target = rng.normal(size=(t_len, batch, num_actions))
    actions = rng.integers(num_actions, size=(t_len, batch))
    rewards = rng.normal(size=(t_len, batch))
    values = rng.normal(size=(t_len, batch))
    bootstrap = rng.normal(size=(batch,))
    discounts = np.full((t_len, batch), 0.99)
    config = config_lib.IMPALAConfig(baseline_cost=0.5, entropy_cost=0.01)
    out = losses.impala_loss(
        *[tf.constant(x, tf.float32) for x in (behaviour, target)],
        tf.constant(actions, tf.int32),
        *[tf.constant(x, tf.float32)
          for x in (discounts, rewards, values, bootstrap)], config)
    vs, advantages = reference_vtrace(behaviour, target, actions, discounts,
                                      rewards, values, bootstrap, 1.0, 1.0)
    pi = _softmax(target)
    logp = np.log(np.take_along_axis(pi, actions[..., None], -1)[..., 0])
    policy_loss = -np.mean(logp * advantages)
    baseline_loss = 0.5 * np.mean((vs - values) ** 2)
    entropy = -np.mean(np.sum(pi * np.log(pi), -1))
    np.testing.assert_allclose(out['policy_loss'], policy_loss, rtol=1e-4)
    np.testing.assert_allclose(out['baseline_loss'], baseline_loss, rtol=1e-4)
    np.testing.assert_allclose(out['entropy'], entropy, rtol=1e-4)
    np.testing.assert_allclose(
        out['loss'], policy_loss + 0.5 * baseline_loss - 0.01 * entropy,
        rtol=1e-4)


if __name__ == '__main__':
  absltest.main()
