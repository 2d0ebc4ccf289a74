"""PPO's actors and learner against a live in-process Reverb queue: in
synchronous mode every batch was sampled by the learner's current policy;
an iteration is epochs x minibatches updates; an LSTM policy trains."""

import threading

from absl.testing import absltest
import numpy as np
import reverb
import tensorflow as tf

from agents.common import actor_critic
from agents.common import batched_environments
from agents.common import replay_datasets
from agents.common import unrolls
from agents.common import weights
from agents.ppo import actor as actor_lib
from agents.ppo import config as config_lib
from agents.ppo import learner as learner_lib
from programs.nodes import actor_runner

NUM_ACTORS = 2
CONFIG = config_lib.PPOConfig(envs_per_actor=4, unroll_length=5,
                              num_epochs=3, num_minibatches=2,
                              hidden_sizes=(32,), seed=1)
OBSERVATION_SHAPE, NUM_ACTIONS = (10, 5), 3  # Catch.


class Actors:
  """NUM_ACTORS actor threads stepping Catch until `stop()`."""

  def __init__(self, client, source, config):
    self._stop = threading.Event()
    self.actors, self._threads = [], []
    for i in range(NUM_ACTORS):
      env = batched_environments.make_batched_environment(
          'catch', config.envs_per_actor, i)
      network = actor_critic.make_network(env.observation_shape,
                                          env.num_actions, config)
      actor = actor_lib.make_actor(network, env.num_envs, config, source,
                                   client, self._stop.is_set, seed=i)
      self.actors.append(actor)
      self._threads.append(threading.Thread(
          target=actor_runner.run_batched_loop,
          args=(actor, env, self._stop.is_set), daemon=True))
    for thread in self._threads:
      thread.start()

  def stop(self):
    self._stop.set()
    for thread in self._threads:
      thread.join(timeout=30)


class LearnerTest(absltest.TestCase):

  def make(self, config, batch_unrolls):
    server = reverb.Server(unrolls.queue_tables(
        OBSERVATION_SHAPE, NUM_ACTIONS, config, max_size=batch_unrolls))
    self.addCleanup(server.stop)
    address = f'localhost:{server.port}'
    network = actor_critic.make_network(OBSERVATION_SHAPE, NUM_ACTIONS,
                                        config)
    dataset = replay_datasets.make_dataset(address, unrolls.QUEUE_TABLE,
                                           batch_unrolls)
    learner = learner_lib.PPOLearner(network, iter(dataset), config,
                                     batch_unrolls)
    return learner, reverb.Client(address)

  def test_synchronous_batches_are_sampled_by_the_current_policy(self):
    batch_unrolls = CONFIG.iteration_unrolls(NUM_ACTORS)
    self.assertEqual(batch_unrolls, 8)
    learner, client = self.make(CONFIG, batch_unrolls)
    actors = Actors(client, learner, CONFIG)
    self.addCleanup(actors.stop)
    # The learner's policy, evaluated outside it.
    probe = actor_critic.make_network(OBSERVATION_SHAPE, NUM_ACTIONS, CONFIG)
    before = learner.get_variables(['policy'])[0]
    for iteration in range(4):
      batch = learner.next_batch()
      weights.set_weights(probe, learner.get_variables(['policy'])[0])
      data = unrolls.time_major(batch.data)
      logits, _, _ = probe.unroll(data['observation'], data['first'], ())
      # Exactly the learner's policy acted: no unroll of an older one.
      np.testing.assert_allclose(logits[:-1], data['behaviour_logits'],
                                 rtol=1e-4, atol=1e-4)
      metrics = learner.update(batch)
      self.assertEqual(learner.iteration, iteration + 1)
      self.assertTrue(all(np.isfinite(v) for v in metrics.values()))
    self.assertEqual(learner.num_steps, 4 * 3 * 2)  # epochs x minibatches.
    [iteration] = learner.get_variables(['iteration'])
    self.assertEqual(int(iteration[0]), 4)
    after = learner.get_variables(['policy'])[0]
    self.assertFalse(all(np.allclose(a, b) for a, b in zip(before, after)))
    # The actors wait between rounds, so they stepped one unroll per round
    # (4 consumed, the fifth written or being written), no more.
    actors.stop()
    for actor in actors.actors:
      self.assertBetween(actor.unrolls_written, 4 * CONFIG.envs_per_actor,
                         5 * CONFIG.envs_per_actor)

  def test_asynchronous_lstm_policy_trains(self):
    config = config_lib.APPOConfig(
        envs_per_actor=4, unroll_length=5, batch_size=4, queue_size=16,
        num_epochs=2, num_minibatches=2, lstm_size=8, hidden_sizes=(32,),
        anneal_iterations=4)
    learner, client = self.make(config, config.batch_size)
    actors = Actors(client, learner, config)
    self.addCleanup(actors.stop)
    before = learner.get_variables(['policy'])[0]
    rates = []
    for _ in range(2):
      metrics = learner.update(learner.next_batch())
      self.assertTrue(all(np.isfinite(v) for v in metrics.values()))
      rates.append(metrics['learning_rate'])
    after = learner.get_variables(['policy'])[0]
    self.assertFalse(all(np.allclose(a, b) for a, b in zip(before, after)))
    # Annealed linearly to 0 over 4 iterations: 1, then 3/4 of the rate.
    np.testing.assert_allclose(rates, [1e-3, 0.75e-3], rtol=1e-6)

  def test_a_batch_that_does_not_split_is_refused(self):
    network = actor_critic.make_network(OBSERVATION_SHAPE, NUM_ACTIONS,
                                        CONFIG)
    with self.assertRaisesRegex(ValueError, 'do not split into'):
      learner_lib.PPOLearner(network, iter(()), CONFIG, batch_unrolls=7)

  def test_learning_rate_scaling(self):
    for scaling, expected in (('none', 1e-3), ('linear', 4e-3),
                              ('sqrt', 2e-3)):
      config = config_lib.PPOConfig(learning_rate_scaling=scaling,
                                    reference_batch_steps=256)
      self.assertAlmostEqual(config.scaled_learning_rate(1024), expected)


if __name__ == '__main__':
  tf.random.set_seed(0)
  absltest.main()
