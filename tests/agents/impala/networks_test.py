"""The network's unroll reproduces its step-by-step use, resets included."""

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import sonnet as snt
import tensorflow as tf

from agents.common import weights
from agents.impala import config as config_lib
from agents.impala import networks


class NetworksTest(parameterized.TestCase):

  @parameterized.named_parameters(('mlp', 0, (4,)), ('lstm', 8, (4,)),
                                  ('conv_lstm', 8, (10, 10, 3)))
  def test_unroll_matches_steps(self, lstm_size, observation_shape):
    config = config_lib.IMPALAConfig(lstm_size=lstm_size, hidden_sizes=(16,))
    network = networks.make_network(observation_shape, 3, config)
    t_len, batch = 6, 2
    rng = np.random.default_rng(0)
    observation = tf.constant(
        rng.normal(size=(t_len, batch) + observation_shape), tf.float32)
    first = np.zeros((t_len, batch), bool)
    first[0] = True
    first[3, 1] = True  # An episode starts mid-unroll in one column.
    first = tf.constant(first)
    state = network.initial_state(batch)
    logits, values, _ = network.unroll(observation, first, state)
    for t in range(t_len):
      (step_logits, step_values), state = network.step(observation[t],
                                                       first[t], state)
      np.testing.assert_allclose(logits[t], step_logits, rtol=1e-5, atol=1e-5)
      np.testing.assert_allclose(values[t], step_values, rtol=1e-5, atol=1e-5)

  def test_reset_forgets_the_past(self):
    config = config_lib.IMPALAConfig(lstm_size=8)
    network = networks.make_network((4,), 2, config)
    observation = tf.ones([1, 4])
    state = snt.LSTMState(hidden=tf.ones([1, 8]), cell=tf.ones([1, 8]))
    (kept, _), _ = network.step(observation, tf.constant([False]), state)
    (reset, _), _ = network.step(observation, tf.constant([True]), state)
    (fresh, _), _ = network.step(observation, tf.constant([False]),
                                 network.initial_state(1))
    np.testing.assert_allclose(reset, fresh)
    self.assertFalse(np.allclose(kept, fresh))

  def test_same_seed_same_initial_weights(self):
    config = config_lib.IMPALAConfig(seed=7)
    a = weights.get_weights(networks.make_network((4,), 2, config))
    b = weights.get_weights(networks.make_network((4,), 2, config))
    c = weights.get_weights(networks.make_network(
        (4,), 2, config_lib.IMPALAConfig(seed=8)))
    for x, y in zip(a, b):
      np.testing.assert_array_equal(x, y)
    self.assertFalse(all(np.array_equal(x, y) for x, y in zip(a, c)))

  def test_set_weights_checks_shapes(self):
    network = networks.make_network((4,), 2, config_lib.IMPALAConfig())
    values = weights.get_weights(network)
    with self.assertRaisesRegex(ValueError, 'Got 1 weight arrays'):
      weights.set_weights(network, values[:1])
    with self.assertRaisesRegex(ValueError, 'does not fit'):
      weights.set_weights(network, [v.T for v in values[::-1]])


if __name__ == '__main__':
  absltest.main()
