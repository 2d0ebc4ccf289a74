"""The recurrent Q-network: step and unroll agree, the state resets where an
episode starts, and the dueling head is V + A - mean(A)."""

import dataclasses

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.r2d2 import config as config_lib
from agents.r2d2 import networks

CONFIG = config_lib.R2D2Config(hidden_sizes=(16,), lstm_size=8, seed=5)
T, B = 7, 3


class RecurrentQNetworkTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    rng = np.random.default_rng(0)
    self.observation = rng.normal(size=(T, B, 2)).astype(np.float32)
    self.first = np.zeros((T, B), bool)
    self.first[4, 1] = True  # Env 1 starts a new episode at step 4.
    self.state = networks.State(
        hidden=tf.constant(rng.normal(size=(B, 8)), tf.float32),
        cell=tf.constant(rng.normal(size=(B, 8)), tf.float32))

  def test_unroll_equals_steps(self):
    network = networks.make_network((2,), 3, CONFIG)
    q, final = network.unroll(self.observation, self.first, self.state)
    self.assertEqual(q.shape, (T, B, 3))
    state = self.state
    for t in range(T):
      q_t, state = network.step(self.observation[t], self.first[t], state)
      np.testing.assert_allclose(q[t], q_t, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(final.hidden, state.hidden, rtol=1e-5,
                               atol=1e-6)

  def test_state_resets_at_first(self):
    network = networks.make_network((2,), 3, CONFIG)
    q, _ = network.unroll(self.observation, self.first, self.state)
    # From step 4 on, env 1 is what a fresh episode from zeros gives...
    fresh, _ = network.unroll(self.observation[4:],
                              np.zeros((T - 4, B), bool),
                              network.initial_state(B))
    np.testing.assert_allclose(q[4:, 1], fresh[:, 1], rtol=1e-5, atol=1e-6)
    # ...and env 0, which did not reset, still depends on its start state.
    self.assertGreater(np.abs(q[4:, 0] - fresh[:, 0]).max(), 1e-4)

  def test_dueling_head(self):
    config = dataclasses.replace(CONFIG, dueling=True)
    network = networks.make_network((2,), 3, config)
    q, _ = network.step(self.observation[0], self.first[0], self.state)
    embedding, _ = network._core.step(  # pylint: disable=protected-access
        network._torso(tf.constant(self.observation[0])), self.first[0],
        self.state)  # pylint: disable=protected-access
    advantage = network._advantage(embedding).numpy()  # pylint: disable=protected-access
    value = network._value(embedding).numpy()  # pylint: disable=protected-access
    np.testing.assert_allclose(
        q, value + advantage - advantage.mean(-1, keepdims=True), rtol=1e-5,
        atol=1e-6)

  def test_same_seed_same_weights(self):
    a = networks.make_network((2,), 3, CONFIG)
    b = networks.make_network((2,), 3, CONFIG)
    for x, y in zip(a.variables, b.variables):
      np.testing.assert_array_equal(x.numpy(), y.numpy())


if __name__ == '__main__':
  absltest.main()
