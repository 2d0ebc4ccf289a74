"""R2D2 the acme way: acme.EnvironmentLoop runs the recurrent actor on one
plain environment and its sequences reach a live Reverb table; the learner
keeps acme.core.Learner's contract."""

from absl.testing import absltest
import acme
import reverb

from agents.common import replay_writers
from agents.r2d2 import actor as actor_lib
from agents.r2d2 import config as config_lib
from agents.r2d2 import learner as learner_lib
from agents.r2d2 import networks
from agents.r2d2 import sequences
from tests import helpers

CONFIG = config_lib.R2D2Config(
    hidden_sizes=(16,), lstm_size=8, batch_size=4, min_replay_size=4,
    replay_size=500, samples_per_insert=0.0, insert_batch=1,
    sequence_length=8, burn_in=2, sequence_period=4, seed=2)


def _learner(config):
  make = lambda: networks.make_network((2,), 2, config)
  return learner_lib.R2D2Learner(make(), make(), iter([]), config)


class AcmeContractTest(absltest.TestCase):

  def test_environment_loop_runs_the_actor_and_fills_the_table(self):
    server = reverb.Server([sequences.replay_table((2,), CONFIG)])
    self.addCleanup(server.stop)
    client = reverb.Client(f'localhost:{server.port}')
    writer = replay_writers.ItemWriter(client, sequences.REPLAY_TABLE,
                                       lambda: False)

    def make(view):
      network = networks.make_network(view.observation_shape,
                                      view.num_actions, CONFIG)
      return actor_lib.R2D2Actor(network, view.num_envs, CONFIG,
                                 epsilon=0.3, writer=writer, seed=0)

    actor, steps = helpers.run_acme_loop('cartpole_no_velocity', make,
                                         num_episodes=3)
    writer.close()
    self.assertIsInstance(actor, acme.core.Actor)
    # A sequence of 8 steps every 4 steps, across episode ends.
    expected = (steps - 1 - CONFIG.sequence_length) // 4 + 1
    self.assertEqual(actor.batched_actor.sequences_written, expected)
    self.assertEqual(
        client.server_info()[sequences.REPLAY_TABLE].current_size, expected)

  def test_learner_contract_and_save_restore(self):
    source = _learner(CONFIG)
    self.assertIsInstance(source, acme.core.Learner)
    target = _learner(config_lib.R2D2Config(
        hidden_sizes=(16,), lstm_size=8, batch_size=4, min_replay_size=4,
        sequence_length=8, burn_in=2, sequence_period=4, seed=3))
    # Another seed: other weights until restored.
    helpers.assert_restores(self, source, target, 'network')


if __name__ == '__main__':
  absltest.main()
