"""The DQN family the acme way: acme.EnvironmentLoop runs the Ape-X actor
on one plain environment and its prioritized transitions reach a live
Reverb table; the learners keep acme.core.Learner's contract."""

from absl.testing import absltest
import acme
from acme import datasets
import numpy as np
import reverb

from agents.common import replay_samples
from agents.dqn import actor as actor_lib
from agents.dqn import config as config_lib
from agents.dqn import learner as learner_lib
from agents.dqn import networks
from agents.dqn import transitions
from tests import helpers

CONFIG = config_lib.ApexConfig(
    hidden_sizes=(16,), batch_size=8, min_replay_size=8, replay_size=1000,
    samples_per_insert=0.0, insert_batch=4, n_step=3, seed=2)


def _learner(config, iterator=iter([]), priority_writer=None):
  make = lambda: networks.make_network((4,), 2, config)
  return learner_lib.DQNLearner(make(), make(), iterator, config,
                                priority_writer=priority_writer)


class AcmeContractTest(absltest.TestCase):

  def test_environment_loop_runs_the_actor_and_fills_the_table(self):
    server = reverb.Server([transitions.replay_table((4,), CONFIG)])
    self.addCleanup(server.stop)
    client = reverb.Client(f'localhost:{server.port}')
    writer = transitions.TransitionWriter(client, transitions.REPLAY_TABLE,
                                          lambda: False)

    def make(view):  # The view reports truncations (bootstrap_truncation).
      network = networks.make_network(view.observation_shape,
                                      view.num_actions, CONFIG)
      return actor_lib.DQNActor(network, view.num_envs, CONFIG, epsilon=0.5,
                                writer=writer, seed=0, environment=view)

    actor, steps = helpers.run_acme_loop('cartpole', make, num_episodes=3)
    self.assertIsInstance(actor, acme.core.Actor)
    self.assertEqual(actor.batched_actor.env_steps, steps - 1)
    written = actor.batched_actor.transitions_written
    self.assertGreater(written, steps // 2)
    self.assertEqual(
        client.server_info()[transitions.REPLAY_TABLE].current_size, written)
    writer.close()

    dataset = datasets.make_reverb_dataset(
        server_address=f'localhost:{server.port}',
        batch_size=CONFIG.batch_size, table=transitions.REPLAY_TABLE,
        num_parallel_calls=1)
    learner = _learner(CONFIG, iter(dataset), replay_samples.PriorityWriter(
        client, transitions.REPLAY_TABLE))
    self.assertIsInstance(learner, acme.core.Learner)
    (before,) = learner.get_variables(['network'])
    learner.step()
    (after,) = learner.get_variables(['network'])
    self.assertFalse(all(np.allclose(a, b) for a, b in zip(before, after)))

  def test_save_restore_round_trip(self):
    source = _learner(CONFIG)
    target = _learner(config_lib.ApexConfig(
        hidden_sizes=(16,), batch_size=8, min_replay_size=8, seed=3))
    # Another seed: other weights until restored.
    helpers.assert_restores(self, source, target, 'network')
    for a, b in zip(source.save()['target_network'],
                    target.save()['target_network']):
      np.testing.assert_array_equal(a, b)


if __name__ == '__main__':
  absltest.main()
