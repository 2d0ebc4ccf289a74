"""Actor and learner against a live in-process prioritized Reverb table:
Ape-X's actor-side priorities, the learner's priority write-back (read back
from Reverb), target network updates and learning on a fixed batch."""

import dataclasses

from absl.testing import absltest
from acme import datasets
import numpy as np
import reverb
import tensorflow as tf

from agents.common import batched_environments
from agents.common import replay_samples
from agents.common import weights
from agents.dqn import actor as actor_lib
from agents.dqn import config as config_lib
from agents.dqn import learner as learner_lib
from agents.dqn import networks
from agents.dqn import transitions
from programs.nodes import actor_runner

NUM_ENVS = 4
# samples_per_insert 0: only a minimum size, so that the test may sample
# the table as often as it likes.
CONFIG = config_lib.ApexConfig(
    hidden_sizes=(32,), batch_size=16, min_replay_size=64, replay_size=1000,
    samples_per_insert=0.0, insert_batch=16, n_step=3, target_update_period=3,
    learning_rate=1e-2, seed=2)


def _greedy_q(network, observation):
  return network(tf.constant(observation)).q_values.numpy()


class ApexActorLearnerTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.server = reverb.Server([transitions.replay_table((4,), CONFIG)])
    cls.address = f'localhost:{cls.server.port}'
    cls.client = reverb.Client(cls.address)
    env = batched_environments.make_batched_environment('cartpole',
                                                        NUM_ENVS, 0)
    cls.network = networks.make_network((4,), 2, CONFIG)
    writer = transitions.TransitionWriter(cls.client, transitions.REPLAY_TABLE,
                                          lambda: False)
    cls.actor = actor_lib.DQNActor(cls.network, NUM_ENVS, CONFIG,
                                   epsilon=0.4, writer=writer, seed=0)
    actor_runner.run_batched_loop(
        cls.actor, env, lambda: cls.actor.transitions_written >= 200)
    writer.close()

  @classmethod
  def tearDownClass(cls):
    cls.server.stop()
    super().tearDownClass()

  def _sample_all(self, num_samples=3000):
    """key -> (priority, transition) over many samples of the whole table."""
    seen = {}
    for sample in self.client.sample(transitions.REPLAY_TABLE,
                                     num_samples=num_samples,
                                     emit_timesteps=False):
      data = sample.data
      if isinstance(data, list):  # Flat, in tree order (sorted keys).
        data = dict(zip(sorted(transitions.FIELDS), data))
      seen[int(np.asarray(sample.info.key))] = (
          float(np.asarray(sample.info.priority)), data)
    return seen

  def test_actor_priorities_are_n_step_td_errors(self):
    seen = self._sample_all()
    self.assertGreater(len(seen), 150)
    keys = list(seen)[:64]
    data = {k: np.stack([np.asarray(seen[key][1][k]) for key in keys])
            for k in transitions.FIELDS}
    # Reference: |r + discount Q(x', argmax Q(x')) - Q(x, a)| under the
    # actor's one network (it stands in for the target network).
    q_tm1 = _greedy_q(self.network, data['observation'])
    q_t = _greedy_q(self.network, data['next_observation'])
    rows = np.arange(len(keys))
    td = (data['reward'] + data['discount'] * q_t[rows, q_t.argmax(1)] -
          q_tm1[rows, data['action']])
    np.testing.assert_allclose(self.actor.priorities(data),
                               np.abs(td) + CONFIG.priority_epsilon,
                               rtol=1e-4, atol=1e-6)
    # And these are the priorities Reverb holds (the network is unchanged).
    np.testing.assert_allclose([seen[k][0] for k in keys],
                               np.abs(td) + CONFIG.priority_epsilon,
                               rtol=1e-4, atol=1e-6)
    # n-step: some transitions bootstrap with gamma^3, some ended (0).
    np.testing.assert_array_less(data['discount'], 0.99 ** 3 + 1e-6)
    self.assertIn(0.0, data['discount'].tolist())

  def test_learner_writes_back_the_priorities_reverb_samples_with(self):
    online = networks.make_network((4,), 2, CONFIG)
    target = networks.make_network((4,), 2, CONFIG)
    dataset = datasets.make_reverb_dataset(
        server_address=self.address, batch_size=CONFIG.batch_size,
        table=transitions.REPLAY_TABLE, num_parallel_calls=1)
    iterator = iter(dataset)
    learner = learner_lib.DQNLearner(
        online, target, iterator, CONFIG,
        priority_writer=replay_samples.PriorityWriter(self.client,
                                                   transitions.REPLAY_TABLE))
    for _ in range(5):  # Move the online network off the actors' copy.
      learner.learn_from(next(iterator))
    sample = next(iterator)
    keys = np.asarray(sample.info.key)
    old = {int(k): float(p) for k, p in zip(keys, sample.info.priority)}
    _, new = learner.learn_from(sample)
    replay_samples.PriorityWriter(self.client, transitions.REPLAY_TABLE).write(
        keys, new)
    seen = self._sample_all()
    checked = 0
    for key, priority in zip(keys.tolist(), new.tolist()):
      if key in seen:
        self.assertAlmostEqual(seen[key][0], priority, places=4)
        checked += 1
    self.assertGreaterEqual(checked, CONFIG.batch_size // 2)
    # The write changed something (the test would notice a no-op).
    self.assertFalse(np.allclose([old[int(k)] for k in keys], new))

  def test_learning_and_target_updates(self):
    config = dataclasses.replace(CONFIG, target_update_period=3)
    online = networks.make_network((4,), 2, config)
    target = networks.make_network((4,), 2, config)
    iterator = iter(datasets.make_reverb_dataset(
        server_address=self.address, batch_size=config.batch_size,
        table=transitions.REPLAY_TABLE, num_parallel_calls=1))
    learner = learner_lib.DQNLearner(online, target, iterator, config)
    sample = next(iterator)
    start = weights.get_weights(online)
    losses = [learner.learn_from(sample)[0]['loss'] for _ in range(2)]
    # Two updates: online moved, target still the initial copy.
    for t, s in zip(weights.get_weights(target), start):
      np.testing.assert_array_equal(t, s)
    self.assertFalse(all(np.array_equal(o, s) for o, s in
                         zip(weights.get_weights(online), start)))
    losses.append(learner.learn_from(sample)[0]['loss'])
    # Third update: target = online.
    for t, o in zip(weights.get_weights(target), weights.get_weights(online)):
      np.testing.assert_array_equal(t, o)
    self.assertEqual(learner.num_steps, 3)
    # With the target held, updates on one batch lower its loss.
    fixed = learner_lib.DQNLearner(
        online, target, iterator,
        dataclasses.replace(config, target_update_period=10_000))
    losses = [fixed.learn_from(sample)[0]['loss'] for _ in range(30)]
    self.assertLess(losses[-1], 0.5 * losses[0])
    state = fixed.save()
    before = weights.get_weights(online)
    fixed.learn_from(sample)
    fixed.restore(state)
    for a, b in zip(weights.get_weights(online), before):
      np.testing.assert_array_equal(a, b)


class ExplorationTest(absltest.TestCase):

  def test_apex_ladder(self):
    from agents.dqn import exploration  # pylint: disable=g-import-not-at-top
    eps = exploration.apex_epsilons(8, 0.4, 7.0)
    self.assertEqual(len(eps), 8)
    for i, e in enumerate(eps):
      self.assertAlmostEqual(e, 0.4 ** (1 + 7.0 * i / 7))
    self.assertAlmostEqual(eps[0], 0.4)
    self.assertAlmostEqual(eps[-1], 0.4 ** 8)
    self.assertEqual(exploration.apex_epsilons(1), [0.4])
    with self.assertRaises(ValueError):
      exploration.apex_epsilons(0)

  def test_linear_epsilon(self):
    from agents.dqn import exploration  # pylint: disable=g-import-not-at-top
    epsilon = exploration.linear_epsilon(config_lib.DQNConfig(
        epsilon_start=1.0, epsilon_end=0.1, epsilon_decay_steps=100))
    self.assertAlmostEqual(epsilon(0), 1.0)
    self.assertAlmostEqual(epsilon(50), 0.55)
    self.assertAlmostEqual(epsilon(100), 0.1)
    self.assertAlmostEqual(epsilon(10_000), 0.1)


if __name__ == '__main__':
  absltest.main()
