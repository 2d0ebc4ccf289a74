"""R2D2's loss against a NumPy loop written from the paper; the burn-in
passes no gradient; priorities mix max and mean."""

import dataclasses

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.r2d2 import config as config_lib
from agents.r2d2 import losses
from agents.r2d2 import networks

T, B, A = 9, 4, 3
CONFIG = config_lib.R2D2Config(n_step=3, discount=0.9, priority_eta=0.9,
                               hidden_sizes=(8,), lstm_size=8,
                               sequence_length=12, burn_in=3, seed=3)


def h(x, eps=1e-3):
  return np.sign(x) * (np.sqrt(np.abs(x) + 1) - 1) + eps * x


def h_inv(y, eps=1e-3):
  return np.sign(y) * (((np.sqrt(1 + 4 * eps * (np.abs(y) + 1 + eps)) - 1) /
                        (2 * eps)) ** 2 - 1)


def reference_td(q, q_target, action, reward, discount, n, gamma):
  """delta_t = h(n-step double-Q return) - Q(x_t, a_t), one entry at a time."""
  t_len, b_len = action.shape
  td = np.zeros((t_len - 1, b_len))
  for b in range(b_len):
    for t in range(t_len - 1):
      m = min(n, t_len - 1 - t)
      ret, weight = 0.0, 1.0
      for k in range(m):
        ret += weight * reward[t + k, b]
        weight *= gamma * discount[t + k, b]
      greedy = np.argmax(q[t + m, b])
      ret += weight * h_inv(q_target[t + m, b, greedy])
      td[t, b] = h(ret) - q[t, b, action[t, b]]
  return td


def _series(rng):
  q = rng.normal(size=(T, B, A)).astype(np.float32) * 3
  q_target = rng.normal(size=(T, B, A)).astype(np.float32) * 3
  action = rng.integers(0, A, (T, B)).astype(np.int32)
  reward = rng.normal(size=(T, B)).astype(np.float32)
  discount = np.ones((T, B), np.float32)
  discount[2, 0] = discount[5, 1] = discount[7, 2] = 0.0  # Episode ends.
  return q, q_target, action, reward, discount


class SequenceLossTest(absltest.TestCase):

  def test_matches_numpy_reference(self):
    rng = np.random.default_rng(0)
    q, q_target, action, reward, discount = _series(rng)
    out = losses.sequence_loss(q, q_target, action, reward, discount, CONFIG)
    expected = reference_td(q, q_target, action, reward, discount,
                            CONFIG.n_step, CONFIG.discount)
    np.testing.assert_allclose(out.td_error, expected, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(out.loss, 0.5 * (expected ** 2).mean(0),
                               rtol=1e-4, atol=1e-4)
    abs_td = np.abs(expected)
    np.testing.assert_allclose(
        out.priority,
        0.9 * abs_td.max(0) + 0.1 * abs_td.mean(0) + CONFIG.priority_epsilon,
        rtol=1e-4, atol=1e-4)

  def test_episode_end_cuts_the_return(self):
    # Rewards after an end must not reach steps before it.
    rng = np.random.default_rng(1)
    q, q_target, action, reward, discount = _series(rng)
    before = losses.sequence_loss(q, q_target, action, reward, discount,
                                  CONFIG).td_error.numpy()
    reward[3:, 0] += 100.0  # Env 0's episode ended at step 2.
    after = losses.sequence_loss(q, q_target, action, reward, discount,
                                 CONFIG).td_error.numpy()
    np.testing.assert_allclose(after[:3, 0], before[:3, 0], rtol=1e-6)
    self.assertTrue((np.abs(after[3:, 0] - before[3:, 0]) > 1).all())

  def test_n_step_one_without_rescaling_is_one_step_double_q(self):
    config = dataclasses.replace(CONFIG, n_step=1,
                                 value_rescaling_epsilon=1e-3)
    rng = np.random.default_rng(2)
    q, q_target, action, reward, discount = _series(rng)
    out = losses.sequence_loss(q, q_target, action, reward, discount, config)
    t = np.arange(T - 1)[:, None]
    b = np.arange(B)[None]
    greedy = q[1:].argmax(-1)
    target = h(reward[:-1] + 0.9 * discount[:-1] *
               h_inv(q_target[1:][t, b, greedy]))
    np.testing.assert_allclose(out.td_error, target - q[:-1][t, b, action[:-1]],
                               rtol=1e-4, atol=1e-4)


def _sequences(rng, batch=B, length=CONFIG.sequence_length):
  return {
      'observation': rng.normal(size=(batch, length, 2)).astype(np.float32),
      'first': np.zeros((batch, length), bool),
      'action': rng.integers(0, 2, (batch, length)).astype(np.int32),
      'reward': rng.normal(size=(batch, length)).astype(np.float32),
      'discount': np.ones((batch, length), np.float32),
      'core_hidden': rng.normal(size=(batch, 8)).astype(np.float32),
      'core_cell': rng.normal(size=(batch, 8)).astype(np.float32),
  }


class BurnInTest(absltest.TestCase):

  def test_no_gradient_reaches_the_burn_in_steps(self):
    rng = np.random.default_rng(3)
    data = _sequences(rng)
    network = networks.make_network((2,), 2, CONFIG)
    target = networks.make_network((2,), 2, CONFIG)
    loss_fn = losses.R2D2Loss(network, target, CONFIG)
    observation = tf.Variable(data['observation'])
    with tf.GradientTape() as tape:
      loss, _, _ = loss_fn(dict(data, observation=observation),
                           np.full(B, 0.1), np.full(B, 10))
    gradient = tape.gradient(loss, observation).numpy()  # [B, L, 2]
    k = CONFIG.burn_in
    np.testing.assert_array_equal(gradient[:, :k], 0.0)
    self.assertTrue((np.abs(gradient[:, k:-1]).sum(-1) > 0).all())
    # The same unroll without the stop passes gradient back to those steps:
    # the check above can fail.
    with tf.GradientTape() as tape:
      state = networks.State(hidden=data['core_hidden'],
                             cell=data['core_cell'])
      q, _ = network.unroll(losses.time_major(observation),
                            losses.time_major(data['first']), state)
      total = tf.reduce_sum(q[k:])
    leaked = tape.gradient(total, observation).numpy()
    self.assertTrue((np.abs(leaked[:, :k]).sum(-1) > 0).all())

  def test_burn_in_steps_set_the_state_the_loss_starts_from(self):
    # With burn-in 0 the loss starts from the stored state itself.
    config = dataclasses.replace(CONFIG, burn_in=0)
    rng = np.random.default_rng(4)
    data = _sequences(rng)
    network = networks.make_network((2,), 2, config)
    target = networks.make_network((2,), 2, config)
    loss0, _, _ = losses.R2D2Loss(network, target, config)(
        data, np.full(B, 0.1), np.full(B, 10))
    loss3, _, _ = losses.R2D2Loss(network, target, CONFIG)(
        data, np.full(B, 0.1), np.full(B, 10))
    self.assertNotAlmostEqual(float(loss0), float(loss3), places=4)


if __name__ == '__main__':
  absltest.main()
