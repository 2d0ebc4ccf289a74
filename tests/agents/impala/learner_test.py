"""Actor and learner against a live in-process Reverb queue."""

from absl.testing import absltest
from acme import datasets
from acme.utils import counting
import numpy as np
import reverb
import sonnet as snt
import tensorflow as tf
from trfl import vtrace_ops

from agents.common import batched_environments
from agents.common import unroll_actor as actor_lib
from agents.common import unrolls
from agents.common import weights
from agents.impala import config as config_lib
from agents.impala import learner as learner_lib
from agents.impala import losses
from agents.impala import networks
from programs.nodes import actor_runner

NUM_ENVS = 4
CONFIG = config_lib.IMPALAConfig(
    unroll_length=5, batch_size=8, queue_size=64, lstm_size=8,
    hidden_sizes=(32,), learning_rate=3e-3, seed=1)


def _fill_queue(client, num_unrolls_per_env):
  """Runs a real actor on Catch until it wrote that many unrolls per env."""
  env = batched_environments.make_batched_environment('catch', NUM_ENVS, 0)
  network = networks.make_network(env.observation_shape, env.num_actions,
                                  CONFIG)
  writer = unrolls.UnrollWriter(client, unrolls.QUEUE_TABLE, lambda: False)
  actor = actor_lib.UnrollActor(network, NUM_ENVS, CONFIG, writer, seed=0)
  target = num_unrolls_per_env * NUM_ENVS
  actor_runner.run_batched_loop(
      actor, env, should_stop=lambda: actor.unrolls_written >= target)
  writer.close()
  return network, env


class ActorLearnerTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.server = reverb.Server(unrolls.queue_tables((10, 5), 3, CONFIG))
    cls.client = reverb.Client(f'localhost:{cls.server.port}')
    cls.actor_network, _ = _fill_queue(cls.client, num_unrolls_per_env=4)
    dataset = datasets.make_reverb_dataset(
        server_address=f'localhost:{cls.server.port}',
        batch_size=CONFIG.batch_size, table=unrolls.QUEUE_TABLE,
        num_parallel_calls=1)
    cls.iterator = iter(dataset)
    cls.batch = next(cls.iterator).data

  @classmethod
  def tearDownClass(cls):
    cls.server.stop()
    super().tearDownClass()

  def test_items_follow_the_signature(self):
    batch = self.batch
    t = CONFIG.unroll_length
    self.assertEqual(batch['observation'].shape, (8, t + 1, 10, 5))
    self.assertEqual(batch['behaviour_logits'].shape, (8, t, 3))
    self.assertEqual(batch['core_state'][0].shape, (8, 8))
    # Discount is 0 exactly where the next observation starts an episode.
    np.testing.assert_array_equal(batch['discount'].numpy() == 0.0,
                                  batch['first'].numpy()[:, 1:])

  def test_recorded_logits_match_the_policy(self):
    """Replaying an unroll from its stored state gives the actor's logits."""
    data = unrolls.time_major(self.batch)
    state = tf.nest.map_structure(tf.identity, data['core_state'])
    logits, _, _ = self.actor_network.unroll(
        data['observation'], data['first'],
        snt.LSTMState(hidden=state[0], cell=state[1]))
    np.testing.assert_allclose(logits[:-1], data['behaviour_logits'],
                               rtol=1e-4, atol=1e-5)
    # The stored state matters: unrolls that start mid-episode carry state,
    # so from zeros their logits differ. (Catch episodes last 9 steps and
    # unrolls 5, so the batch holds such unrolls.)
    self.assertFalse(data['first'].numpy()[0].all())
    zero_logits, _, _ = self.actor_network.unroll(
        data['observation'], data['first'],
        self.actor_network.initial_state(CONFIG.batch_size))
    self.assertFalse(np.allclose(zero_logits[:-1],
                                 data['behaviour_logits'], atol=1e-5))

  def test_learning_step_moves_variables_and_lowers_loss(self):
    """Updates on one batch lower its baseline loss and, with the advantages
    held at their pre-update values, its policy-gradient loss."""
    network = networks.make_network((10, 5), 3, CONFIG)
    learner = learner_lib.IMPALALearner(network, iter([]), CONFIG)
    data = unrolls.time_major(self.batch)
    state = snt.LSTMState(*data['core_state'])

    def surrogate(advantages):
      logits, _, _ = network.unroll(data['observation'], data['first'], state)
      logp = vtrace_ops.log_probs_from_logits_and_actions(logits[:-1],
                                                          data['action'])
      return float(-tf.reduce_mean(logp * advantages))

    logits, values, _ = network.unroll(data['observation'], data['first'],
                                       state)
    advantages = losses.vtrace_targets(
        data['behaviour_logits'], logits[:-1], data['action'],
        CONFIG.discount * data['discount'], data['reward'], values[:-1],
        values[-1], CONFIG).pg_advantages
    before = weights.get_weights(network)
    terms_before = learner.compute_loss(self.batch)
    surrogate_before = surrogate(advantages)
    for _ in range(30):
      metrics = learner.learn_from(self.batch)
      self.assertTrue(np.isfinite(metrics['loss']))
    terms_after = learner.compute_loss(self.batch)
    self.assertLess(float(terms_after['baseline_loss']),
                    0.5 * float(terms_before['baseline_loss']))
    self.assertLess(surrogate(advantages), surrogate_before)
    after = weights.get_weights(network)
    self.assertFalse(all(np.array_equal(a, b) for a, b in zip(before, after)))

  def test_step_reads_the_queue_and_counts(self):
    network = networks.make_network((10, 5), 3, CONFIG)
    counter = counting.Counter()
    learner = learner_lib.IMPALALearner(network, self.iterator, CONFIG,
                                        counter=counter)
    learner.step()
    self.assertEqual(counter.get_counts(),
                     {'learner_steps': 1, 'learner_frames': 8 * 5})

  def test_save_restore_round_trip(self):
    network = networks.make_network((10, 5), 3, CONFIG)
    learner = learner_lib.IMPALALearner(network, iter([]), CONFIG)
    learner.learn_from(self.batch)
    saved = learner.save()
    other = learner_lib.IMPALALearner(
        networks.make_network((10, 5), 3, CONFIG), iter([]), CONFIG)
    # Negative control: a fresh learner does not have the trained weights.
    self.assertFalse(all(np.array_equal(a, b) for a, b in
                         zip(saved, other.get_variables(['policy'])[0])))
    other.restore(saved)
    for a, b in zip(saved, other.get_variables(['policy'])[0]):
      np.testing.assert_array_equal(a, b)


class SampleActionsTest(absltest.TestCase):

  def test_frequencies_follow_the_softmax(self):
    logits = np.tile(np.log([[0.2, 0.5, 0.3]]), (20000, 1))
    actions = actor_lib.sample_actions(logits, np.random.default_rng(0))
    np.testing.assert_allclose(np.bincount(actions) / 20000, [0.2, 0.5, 0.3],
                               atol=0.015)


if __name__ == '__main__':
  absltest.main()
