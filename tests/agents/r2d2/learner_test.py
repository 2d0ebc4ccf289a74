"""R2D2's actor and learner on a live in-process Reverb server: the actor
stores the state its sequences start from and their priorities; the learner
writes priorities back, learns, and its Q-values depend on the stored state.
"""

import dataclasses

from absl.testing import absltest
from acme import datasets
import numpy as np
import reverb
import tensorflow as tf

from agents.common import batched_environments
from agents.common import replay_samples
from agents.common import replay_writers
from agents.common import weights
from agents.r2d2 import actor as actor_lib
from agents.r2d2 import config as config_lib
from agents.r2d2 import learner as learner_lib
from agents.r2d2 import losses
from agents.r2d2 import networks
from agents.r2d2 import sequences
from programs.nodes import actor_runner

ENV = 'cartpole_no_velocity'
NUM_ENVS = 4
# samples_per_insert 0: only a minimum size, so that the test may sample
# the table as often as it likes.
CONFIG = config_lib.R2D2Config(
    hidden_sizes=(32,), lstm_size=32, batch_size=16, min_replay_size=32,
    replay_size=2000, samples_per_insert=0.0, insert_batch=NUM_ENVS,
    sequence_length=12, burn_in=3, sequence_period=6,
    target_update_period=50, learning_rate=3e-3, seed=2)
FIELDS = sorted(sequences.signature((2,), CONFIG))


def _state(data):
  return networks.State(hidden=tf.constant(data['core_hidden']),
                        cell=tf.constant(data['core_cell']))


def _q(network, data, state):
  q, _ = network.unroll(losses.time_major(data['observation']),
                        losses.time_major(data['first']), state)
  return q.numpy()  # [L, B, A]


class R2D2ActorLearnerTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.server = reverb.Server([sequences.replay_table((2,), CONFIG)])
    cls.address = f'localhost:{cls.server.port}'
    cls.client = reverb.Client(cls.address)
    env = batched_environments.make_batched_environment(ENV, NUM_ENVS, 0)
    cls.network = networks.make_network((2,), 2, CONFIG)
    writer = replay_writers.ItemWriter(cls.client, sequences.REPLAY_TABLE,
                                   lambda: False)
    cls.actor = actor_lib.R2D2Actor(cls.network, NUM_ENVS, CONFIG,
                                    epsilon=0.3, writer=writer, seed=0)
    actor_runner.run_batched_loop(
        cls.actor, env, lambda: cls.actor.sequences_written >= 400)
    writer.close()
    # What the actor inserted, before any test writes priorities back.
    cls.inserted = cls._sample(2000)

  @classmethod
  def tearDownClass(cls):
    cls.server.stop()
    super().tearDownClass()

  @classmethod
  def _sample(cls, num_samples):
    """key -> (priority, sequence) over `num_samples` samples."""
    seen = {}
    for sample in cls.client.sample(sequences.REPLAY_TABLE,
                                     num_samples=num_samples,
                                     emit_timesteps=False):
      data = sample.data
      if isinstance(data, list):  # Flat, in tree order (sorted keys).
        data = dict(zip(FIELDS, data))
      seen[int(np.asarray(sample.info.key))] = (
          float(np.asarray(sample.info.priority)), data)
    return seen

  def _batch(self, seen, keys):
    return {k: np.stack([np.asarray(seen[key][1][k]) for key in keys])
            for k in FIELDS}

  def test_stored_state_reproduces_the_actors_q_values_and_priorities(self):
    seen = self.inserted
    self.assertGreater(len(seen), 200)
    keys = list(seen)[:64]
    data = self._batch(seen, keys)
    # The actor's network is unchanged: unrolling it from the stored state
    # gives the Q-values it acted with; its priorities are the loss's.
    q = _q(self.network, data, _state(data))
    k = CONFIG.burn_in
    expected = losses.sequence_loss(
        q[k:], q[k:], losses.time_major(data['action'])[k:],
        losses.time_major(data['reward'])[k:],
        losses.time_major(data['discount'])[k:], CONFIG).priority.numpy()
    np.testing.assert_allclose([seen[key][0] for key in keys], expected,
                               rtol=1e-4, atol=1e-5)
    # Sequences run across episode ends and start mid-episode.
    self.assertTrue(data['first'][:, 1:].any())
    self.assertTrue((~data['first'][:, 0]).any())

  def _learner(self, config):
    online = networks.make_network((2,), 2, config)
    target = networks.make_network((2,), 2, config)
    iterator = iter(datasets.make_reverb_dataset(
        server_address=self.address, batch_size=config.batch_size,
        table=sequences.REPLAY_TABLE, num_parallel_calls=1))
    learner = learner_lib.R2D2Learner(online, target, iterator, config)
    return learner, online, target, iterator

  def test_learner_writes_back_sequence_priorities(self):
    learner, _, _, iterator = self._learner(CONFIG)
    for _ in range(5):  # Move the online network off the actor's copy.
      learner.learn_from(next(iterator))
    sample = next(iterator)
    keys = np.asarray(sample.info.key)
    old = np.asarray(sample.info.priority)
    _, new = learner.learn_from(sample)
    self.assertEqual(new.shape, (CONFIG.batch_size,))
    replay_samples.PriorityWriter(self.client, sequences.REPLAY_TABLE).write(
        keys, new)
    seen = self._sample(3000)
    checked = 0
    for key, priority in zip(keys.tolist(), new.tolist()):
      if key in seen:
        self.assertAlmostEqual(seen[key][0], priority, places=4)
        checked += 1
    self.assertGreaterEqual(checked, CONFIG.batch_size // 2)
    self.assertFalse(np.allclose(old, new))  # A no-op write would fail.

  def test_learning_target_updates_and_the_stored_state_matters(self):
    config = dataclasses.replace(CONFIG, target_update_period=3)
    learner, online, target, iterator = self._learner(config)
    sample = next(iterator)
    start = weights.get_weights(online)
    learner.learn_from(sample)
    learner.learn_from(sample)
    for t, s in zip(weights.get_weights(target), start):
      np.testing.assert_array_equal(t, s)  # Not yet copied.
    learner.learn_from(sample)
    for t, o in zip(weights.get_weights(target), weights.get_weights(online)):
      np.testing.assert_array_equal(t, o)  # Copied at the third update.
    # With the target held, updates on one batch lower its loss.
    fixed = learner_lib.R2D2Learner(
        online, target, iterator,
        dataclasses.replace(config, target_update_period=10_000))
    fitted = [fixed.learn_from(sample)[0]['loss'] for _ in range(40)]
    self.assertLess(fitted[-1], 0.5 * fitted[0])
    # Train on the replay; let an actor with the trained network record
    # sequences; unroll them from their stored state and from zeros.
    trained = learner_lib.R2D2Learner(online, target, iterator, CONFIG)
    for _ in range(200):
      trained.learn_from(next(iterator))
    recorder = _Recorder()
    actor = actor_lib.R2D2Actor(online, NUM_ENVS, CONFIG, epsilon=0.1,
                                writer=recorder, seed=1)
    actor_runner.run_batched_loop(
        actor, batched_environments.make_batched_environment(ENV, NUM_ENVS, 1),
        lambda: len(recorder.items) >= 16)
    data = {k: np.concatenate([items[k] for items in recorder.items])
            for k in FIELDS}
    mid_episode = ~data['first'][:, 0]
    self.assertGreater(mid_episode.sum(), 16)
    data = {k: v[mid_episode] for k, v in data.items()}
    stored = _q(online, data, _state(data))
    zeros = _q(online, data, online.initial_state(int(mid_episode.sum())))
    # The stored states are not zeros, and they change the Q-values, most
    # at the start (the LSTM forgets the initial state over time).
    self.assertGreater(np.abs(data['core_hidden']).mean(), 0.05)
    difference = np.abs(stored - zeros).mean(axis=(1, 2))  # [L]
    print('mean |Q(stored) - Q(zeros)| per step:', difference.round(4))
    self.assertGreater(difference[0], 0.05)
    self.assertGreater(difference[0], difference[-1])


class _Recorder:
  """Keeps what an actor writes (the replay items) in memory."""

  def __init__(self):
    self.items = []

  def write(self, items, priorities):
    del priorities
    self.items.append(items)
    return True

if __name__ == '__main__':
  absltest.main()
