"""The DPG actor on batched Pendulum against a live in-process Reverb
table: actions within the bounds with the noise's spread, n-step transitions
with float actions written, Ape-X initial priorities equal to the critic's
|TD| under the actor's own networks."""

from absl.testing import absltest
import numpy as np
import reverb
import tensorflow as tf

from agents.common import batched_environments
from agents.dpg import actor as actor_lib
from agents.dpg import config as config_lib
from agents.dpg import networks
from agents.dqn import transitions
from programs.nodes import actor_runner

NUM_ENVS = 4
CONFIG = config_lib.ApexDPGConfig(
    policy_hidden_sizes=(16,), critic_hidden_sizes=(16,), batch_size=16,
    min_replay_size=16, replay_size=1000, replay_ratio=0.0, insert_batch=16,
    n_step=3, seed=3)


class DPGActorTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.env = batched_environments.make_batched_environment('pendulum',
                                                           NUM_ENVS, 0)
    cls.server = reverb.Server([transitions.replay_table(
        cls.env.observation_shape, CONFIG, action_shape=(1,))])
    cls.client = reverb.Client(f'localhost:{cls.server.port}')
    cls.policy, cls.critic = networks.make_networks(
        cls.env.observation_shape, cls.env.action_minimum,
        cls.env.action_maximum, CONFIG)
    writer = transitions.TransitionWriter(cls.client, transitions.REPLAY_TABLE,
                                          lambda: False)
    cls.actor = actor_lib.DPGActor(
        cls.policy, cls.critic, NUM_ENVS, cls.env.observation_shape,
        cls.env.action_minimum, cls.env.action_maximum, CONFIG,
        noise_scale=0.3, writer=writer, seed=0, environment=cls.env)
    actor_runner.run_batched_loop(
        cls.actor, cls.env, lambda: cls.actor.transitions_written >= 200)
    writer.close()

  @classmethod
  def tearDownClass(cls):
    cls.server.stop()
    super().tearDownClass()

  def test_actions_are_noisy_policy_actions_within_the_bounds(self):
    observation = self.env.reset()
    greedy = self.policy(tf.constant(observation)).numpy()
    actions = np.stack([self.actor.select_action(observation)
                        for _ in range(500)])
    self.assertEqual(actions.shape, (500, NUM_ENVS, 1))
    self.assertTrue(np.all(np.abs(actions) <= 2.0))
    # Pendulum's torque bound is 2: scale 0.3 is a spread of 0.6 before
    # clipping, around the policy's action.
    np.testing.assert_allclose(np.median(actions, 0), greedy, atol=0.1)
    self.assertGreater(actions.std(0).min(), 0.4)

  def test_priorities_are_the_critics_n_step_td_errors(self):
    samples = list(self.client.sample(transitions.REPLAY_TABLE,
                                      num_samples=64, emit_timesteps=False))
    self.assertLen(samples, 64)
    for sample in samples[:16]:
      data = sample.data
      if isinstance(data, list):  # Flat, in tree order (sorted keys).
        data = dict(zip(sorted(transitions.FIELDS), data))
      data = {k: np.asarray(v)[None] for k, v in data.items()}
      self.assertEqual(data['action'].dtype, np.float32)
      self.assertEqual(data['action'].shape, (1, 1))
      q_tm1 = self.critic(tf.constant(data['observation']),
                          tf.constant(data['action'])).q_values.numpy()
      x_t = tf.constant(data['next_observation'])
      q_t = self.critic(x_t, self.policy(x_t)).q_values.numpy()
      td = data['reward'] + data['discount'] * q_t - q_tm1
      self.assertAlmostEqual(float(np.asarray(sample.info.priority)),
                             float(np.abs(td)[0]) + CONFIG.priority_epsilon,
                             places=4)


if __name__ == '__main__':
  absltest.main()
