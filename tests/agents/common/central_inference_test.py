"""An action server's policy: the NumPy forward pass equals the Sonnet
network's; a conv network is computed by TensorFlow; actions are split back
to their slots in order."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.common import actor_critic
from agents.common import central_inference
from agents.impala import config as config_lib


def network_logits(network, observation):
  (logits, _), _ = network.step(tf.constant(observation),
                                tf.zeros(len(observation), tf.bool), ())
  return logits.numpy()


class CentralPolicyTest(absltest.TestCase):

  def test_numpy_forward_equals_the_network(self):
    config = config_lib.IMPALAConfig(hidden_sizes=(32, 16), seed=5)
    network = actor_critic.make_network((10, 5), 3, config)
    self.assertTrue(central_inference.numpy_computable(config, (10, 5)))
    numpy_policy = central_inference.NumpyPolicy(network)
    observation = np.random.default_rng(0).normal(
        size=(7, 10, 5)).astype(np.float32)
    np.testing.assert_allclose(numpy_policy(observation),
                               network_logits(network, observation),
                               rtol=1e-5, atol=1e-5)

  def test_conv_networks_are_computed_by_tensorflow(self):
    config = config_lib.IMPALAConfig(hidden_sizes=(16,), conv_channels=4)
    shape = (6, 6, 2)
    self.assertFalse(central_inference.numpy_computable(config, shape))
    network = actor_critic.make_network(shape, 4, config)
    policy = central_inference.CentralPolicy(network, [2, 3], config)
    self.assertIs(policy.variables[0], network.variables[0])
    rng = np.random.default_rng(1)
    observations = [rng.normal(size=(n,) + shape).astype(np.float32)
                    for n in (3, 2)]
    policy.observe_first(0, observations[1])
    policy.observe_first(1, observations[0])
    logits, actions = policy.compute(observations)
    self.assertEqual([a.shape for a in actions], [(3,), (2,)])
    self.assertEqual([l.shape for l in logits], [(3, 4), (2, 4)])
    policy.record(1, logits[0], actions[0])
    policy.record(0, logits[1], actions[1])
    for a in actions:
      self.assertTrue(((a >= 0) & (a < 4)).all())


if __name__ == '__main__':
  absltest.main()
