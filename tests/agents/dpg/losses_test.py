"""The DPG losses against NumPy: squared TD targets, D4PG's categorical
projection (trfl's categorical_dist_td_learning), the deterministic policy
gradient's sign and where its gradients flow."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.dpg import config as config_lib
from agents.dpg import learner as learner_lib
from agents.dpg import losses
from agents.dpg import networks
from tests.agents.dqn import losses_test as dqn_losses_test

B = 5


def _softmax(x):
  e = np.exp(x - x.max(-1, keepdims=True))
  return e / e.sum(-1, keepdims=True)


class CriticLossTest(absltest.TestCase):

  def test_scalar_td_error_and_priority(self):
    rng = np.random.default_rng(0)
    q_tm1, q_t, reward = (rng.normal(size=B).astype(np.float32)
                          for _ in range(3))
    discount = np.array([0.97, 0.0, 0.5, 0.97, 0.1], np.float32)
    out = losses.critic_loss(networks.CriticOutput(q_tm1, None),
                             networks.CriticOutput(q_t, None), reward,
                             discount, atoms=None, priority_epsilon=1e-3)
    td = reward + discount * q_t - q_tm1
    np.testing.assert_allclose(out.loss.numpy(), 0.5 * td ** 2, rtol=1e-5)
    np.testing.assert_allclose(out.priority.numpy(), np.abs(td) + 1e-3,
                               rtol=1e-5)

  def test_categorical_loss_is_cross_entropy_to_the_projection(self):
    rng = np.random.default_rng(1)
    atoms = np.linspace(-10, 10, 11).astype(np.float32)
    logits_tm1, logits_t = (rng.normal(size=(B, 11)).astype(np.float32)
                            for _ in range(2))
    reward = rng.normal(size=B).astype(np.float32) * 3
    discount = np.array([0.9, 0.0, 0.5, 0.99, 0.3], np.float32)
    out = losses.critic_loss(
        networks.CriticOutput(None, logits_tm1),
        networks.CriticOutput(None, logits_t), reward, discount,
        atoms=tf.constant(atoms), priority_epsilon=1e-6)
    for i in range(B):
      target = dqn_losses_test.reference_projection(
          reward[i], discount[i], _softmax(logits_t[i]), atoms)
      expected = -np.sum(target * np.log(_softmax(logits_tm1[i])))
      self.assertAlmostEqual(out.loss.numpy()[i], expected, places=4)
    np.testing.assert_allclose(out.priority.numpy(), out.loss.numpy() + 1e-6)


class PolicyGradientTest(absltest.TestCase):

  def test_the_gradient_in_the_action_is_dq_da(self):
    # Q(a) = -sum (a - c)^2: dQ/da = -2 (a - c); the loss's gradient in a
    # must be -dQ/da, so that descending it climbs Q.
    rng = np.random.default_rng(2)
    a = tf.constant(rng.normal(size=(B, 3)).astype(np.float32))
    c = tf.constant(rng.normal(size=(B, 3)).astype(np.float32))

    @tf.function
    def gradient_in_action(a):
      with tf.GradientTape() as tape:
        tape.watch(a)
        q = -tf.reduce_sum(tf.square(a - c), axis=-1)
        loss = tf.reduce_sum(losses.policy_loss(q, a))
      return tape.gradient(loss, a)

    np.testing.assert_allclose(gradient_in_action(a).numpy(),
                               2 * (a.numpy() - c.numpy()), rtol=1e-5)


class GradientFlowTest(absltest.TestCase):
  """Each loss moves only its own network; the policy climbs the critic."""

  def setUp(self):
    super().setUp()
    self.config = config_lib.DPGConfig(policy_hidden_sizes=(16,),
                                       critic_hidden_sizes=(16,))
    make = lambda: networks.make_networks((3,), [-2.0, -1.0], [2.0, 1.0],
                                          self.config)
    self.policy, self.critic = make()
    self.target_policy, self.target_critic = make()
    self.loss = learner_lib.DPGLoss(self.policy, self.critic,
                                    self.target_policy, self.target_critic,
                                    self.config)
    rng = np.random.default_rng(3)
    self.data = {
        'observation': rng.normal(size=(8, 3)).astype(np.float32),
        'action': rng.uniform(-1, 1, size=(8, 2)).astype(np.float32),
        'reward': rng.normal(size=8).astype(np.float32),
        'discount': np.full(8, 0.9, np.float32),
        'next_observation': rng.normal(size=(8, 3)).astype(np.float32)}

  def test_gradients_are_per_network_and_nonzero(self):
    gradients = tf.function(self.loss.gradients)
    policy_g, critic_g, _, _ = gradients(self.data, tf.ones(8), tf.ones(8))
    self.assertLen(policy_g, len(self.policy.trainable_variables))
    self.assertLen(critic_g, len(self.critic.trainable_variables))
    for g in policy_g + critic_g:
      self.assertIsNotNone(g)
    self.assertGreater(float(tf.linalg.global_norm(policy_g)), 0)
    self.assertGreater(float(tf.linalg.global_norm(critic_g)), 0)

  def test_a_policy_step_raises_the_critics_value_of_its_actions(self):
    gradients = tf.function(self.loss.gradients)
    observation = tf.constant(self.data['observation'])
    before = float(tf.reduce_mean(
        self.critic(observation, self.policy(observation)).q_values))
    critic_before = [v.numpy() for v in self.critic.variables]
    policy_g, _, _, _ = gradients(self.data, tf.ones(8), tf.ones(8))
    for v, g in zip(self.policy.trainable_variables, policy_g):
      v.assign_sub(1e-2 * g)
    after = float(tf.reduce_mean(
        self.critic(observation, self.policy(observation)).q_values))
    self.assertGreater(after, before)
    for v, old in zip(self.critic.variables, critic_before):
      np.testing.assert_array_equal(v.numpy(), old)

  def test_actions_stay_within_the_bounds(self):
    observation = tf.constant(np.random.default_rng(4).normal(
        size=(256, 3)).astype(np.float32) * 1e3)
    self.policy.head.w.assign(self.policy.head.w * 1e5)  # Saturate tanh.
    actions = self.policy(observation).numpy()
    self.assertTrue(np.all(actions >= [-2.0, -1.0]))
    self.assertTrue(np.all(actions <= [2.0, 1.0]))
    self.assertGreater(actions[:, 0].max(), 1.9)


class PreactivationPenaltyTest(absltest.TestCase):
  """A saturated policy gets no DPG gradient; the penalty pulls it back."""

  def _saturated_policy_gradients(self, penalty):
    config = config_lib.DPGConfig(policy_hidden_sizes=(16,),
                                  critic_hidden_sizes=(16,),
                                  preactivation_penalty=penalty)
    make = lambda: networks.make_networks((3,), [-2.0], [2.0], config)
    policy, critic = make()
    target_policy, target_critic = make()
    policy.head.w.assign(policy.head.w * 1e5)  # Pre-activations ~1e3.
    policy.head.b.assign(tf.fill(policy.head.b.shape, 50.0))
    loss = learner_lib.DPGLoss(policy, critic, target_policy, target_critic,
                               config)
    rng = np.random.default_rng(3)
    data = {'observation': rng.normal(size=(8, 3)).astype(np.float32),
            'action': rng.uniform(-2, 2, size=(8, 1)).astype(np.float32),
            'reward': rng.normal(size=8).astype(np.float32),
            'discount': np.full(8, 0.9, np.float32),
            'next_observation': rng.normal(size=(8, 3)).astype(np.float32)}
    policy_g, _, _, _ = tf.function(loss.gradients)(data, tf.ones(8),
                                                    tf.ones(8))
    observation = tf.constant(data['observation'])
    return policy, policy_g, observation

  def test_penalty_as_numpy(self):
    u = np.array([[1.0, -2.0], [0.0, 4.0]], np.float32)
    np.testing.assert_allclose(losses.preactivation_penalty(u).numpy(),
                               [2.5, 8.0])

  def test_without_it_a_saturated_policy_has_no_gradient(self):
    _, policy_g, _ = self._saturated_policy_gradients(0.0)
    self.assertEqual(float(tf.linalg.global_norm(policy_g)), 0.0)

  def test_with_it_a_step_leaves_saturation(self):
    policy, policy_g, observation = self._saturated_policy_gradients(1e-3)
    self.assertGreater(float(tf.linalg.global_norm(policy_g)), 0.0)
    before = np.abs(policy.preactivation(observation).numpy()).mean()
    for v, g in zip(policy.trainable_variables, policy_g):
      v.assign_sub(1e-2 * g)
    after = np.abs(policy.preactivation(observation).numpy()).mean()
    self.assertLess(after, before)


if __name__ == '__main__':
  absltest.main()
