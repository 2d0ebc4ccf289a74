"""The project's use of trfl's Q-learning ops against NumPy references of
the equations: n-step double-Q targets, the C51 projection (Bellemare et al.
2017, Algorithm 1), and Huber."""

import dataclasses

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from agents.dqn import config as config_lib
from agents.dqn import losses
from agents.dqn import networks

B, A = 6, 3


def _batch(rng):
  return {
      'action': rng.integers(0, A, B).astype(np.int32),
      'reward': rng.normal(size=B).astype(np.float32),
      # gamma^n, or 0 where the episode ended inside the n steps.
      'discount': np.array([0.99 ** 3, 0.0, 0.99 ** 3, 0.99 ** 2 * 0.0,
                            0.99 ** 3, 0.99 ** 3], np.float32),
  }


def reference_projection(reward, discount, probabilities, atoms):
  """Bellemare et al. 2017, Algorithm 1, one transition at a time."""
  v_min, v_max = atoms[0], atoms[-1]
  delta = atoms[1] - atoms[0]
  target = np.zeros(len(atoms))
  for z, p in zip(atoms, probabilities):
    tz = np.clip(reward + discount * z, v_min, v_max)
    b = (tz - v_min) / delta
    lower, upper = int(np.floor(b)), int(np.ceil(b))
    if lower == upper:
      target[lower] += p
    else:
      target[lower] += p * (upper - b)
      target[upper] += p * (b - lower)
  return target


class ScalarLossTest(parameterized.TestCase):

  @parameterized.parameters(True, False)
  def test_n_step_targets(self, double_q):
    rng = np.random.default_rng(0)
    config = config_lib.DQNConfig(double_q=double_q, huber_delta=1.0)
    data = _batch(rng)
    q_tm1, q_online_t, q_target_t = (
        rng.normal(size=(B, A)).astype(np.float32) * 3 for _ in range(3))
    out = losses.q_learning_loss(
        networks.QOutput(q_tm1, None), networks.QOutput(q_online_t, None),
        networks.QOutput(q_target_t, None), data, config)
    rows = np.arange(B)
    if double_q:  # Select with the online network, evaluate with the target.
      bootstrap = q_target_t[rows, q_online_t.argmax(1)]
    else:
      bootstrap = q_target_t.max(1)
    td = data['reward'] + data['discount'] * bootstrap - q_tm1[rows,
                                                               data['action']]
    huber = np.where(np.abs(td) <= 1.0, 0.5 * td ** 2, np.abs(td) - 0.5)
    np.testing.assert_allclose(out.loss, huber, rtol=1e-5)
    np.testing.assert_allclose(out.priority, np.abs(td) + 1e-6, rtol=1e-5)
    # The two variants differ on this data (the test can tell them apart).
    self.assertFalse(np.allclose(q_target_t[rows, q_online_t.argmax(1)],
                                 q_target_t.max(1)))

  def test_huber_gradient_is_clipped(self):
    x = tf.constant([-5.0, -0.5, 0.0, 0.5, 5.0])
    with tf.GradientTape() as tape:
      tape.watch(x)
      y = losses.huber(x, 2.0)
    np.testing.assert_allclose(tape.gradient(y, x), [-2, -0.5, 0, 0.5, 2])
    np.testing.assert_allclose(y, [8.0, 0.125, 0.0, 0.125, 8.0])


class CategoricalLossTest(parameterized.TestCase):

  @parameterized.parameters(True, False)
  def test_projection_and_cross_entropy(self, double_q):
    rng = np.random.default_rng(1)
    config = config_lib.DQNConfig(distributional=True, num_atoms=11,
                                  v_min=-5.0, v_max=5.0, double_q=double_q)
    atoms = np.linspace(-5.0, 5.0, 11).astype(np.float32)
    data = _batch(rng)
    data['reward'] = np.array([0.3, 7.0, -1.26, 2.0, -9.0, 0.0], np.float32)
    logits = [rng.normal(size=(B, A, 11)).astype(np.float32) for _ in range(3)]
    probs = [np.exp(l) / np.exp(l).sum(-1, keepdims=True) for l in logits]
    q = [(p * atoms).sum(-1) for p in probs]
    t = tf.constant
    out = losses.q_learning_loss(
        networks.QOutput(t(q[0]), t(logits[0])),
        networks.QOutput(t(q[1]), t(logits[1])),
        networks.QOutput(t(q[2]), t(logits[2])), data, config,
        atoms=tf.constant(atoms))
    expected = []
    for i in range(B):
      # Double Q: greedy action of the online network at x_t.
      greedy = q[1][i].argmax() if double_q else q[2][i].argmax()
      target = reference_projection(data['reward'][i], data['discount'][i],
                                    probs[2][i, greedy], atoms)
      self.assertAlmostEqual(target.sum(), 1.0, places=5)
      log_p = np.log(probs[0][i, data['action'][i]])
      expected.append(-(target * log_p).sum())
    np.testing.assert_allclose(out.loss, expected, rtol=1e-4)
    np.testing.assert_allclose(out.priority, np.array(expected) + 1e-6,
                               rtol=1e-4)


class NetworkTest(absltest.TestCase):

  def test_dueling_and_distributional_shapes(self):
    for dueling in (False, True):
      for distributional in (False, True):
        config = config_lib.DQNConfig(dueling=dueling,
                                      distributional=distributional,
                                      num_atoms=7, hidden_sizes=(8,))
        network = networks.make_network((4,), 2, config)
        out = network(tf.zeros([3, 4]))
        self.assertEqual(out.q_values.shape, (3, 2))
        if distributional:
          self.assertEqual(out.logits.shape, (3, 2, 7))
          expected_q = tf.reduce_sum(tf.nn.softmax(out.logits) *
                                     network.atoms, -1)
          np.testing.assert_allclose(out.q_values, expected_q, rtol=1e-5)
        else:
          self.assertIsNone(out.logits)

  def test_dueling_advantages_have_zero_mean_offset(self):
    config = config_lib.DQNConfig(dueling=True, hidden_sizes=(8,))
    network = networks.make_network((4,), 3, config)
    x = tf.random.stateless_normal([5, 4], seed=[1, 2])
    q = network(x).q_values
    embedding = network._torso(x)  # pylint: disable=protected-access
    value = network._value(embedding)  # pylint: disable=protected-access
    # Q = V + A - mean(A), so mean_a Q = V.
    np.testing.assert_allclose(tf.reduce_mean(q, 1), value[:, 0], rtol=1e-4,
                               atol=1e-5)

  def test_same_seed_same_weights(self):
    config = config_lib.DQNConfig(seed=3, hidden_sizes=(8,))
    a = networks.make_network((4,), 2, config)
    b = networks.make_network((4,), 2, config)
    c = networks.make_network((4,), 2, dataclasses.replace(config, seed=4))
    for x, y, z in zip(a.variables, b.variables, c.variables):
      np.testing.assert_array_equal(x.numpy(), y.numpy())
    self.assertFalse(np.array_equal(a.variables[-1].numpy(),
                                    c.variables[-1].numpy()))


if __name__ == '__main__':
  absltest.main()
