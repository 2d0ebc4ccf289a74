"""IMPALA the acme way: acme.EnvironmentLoop runs the actor on one plain
environment and its unrolls reach a live Reverb queue; the learner keeps
acme.core.Learner's contract (step, get_variables, save/restore)."""

from absl.testing import absltest
import acme
from acme import datasets
import numpy as np
import reverb

from agents.common import unroll_actor as actor_lib
from agents.common import unrolls
from agents.common import weights
from agents.impala import config as config_lib
from agents.impala import learner as learner_lib
from agents.impala import networks
from tests import helpers

CONFIG = config_lib.IMPALAConfig(unroll_length=5, batch_size=2, queue_size=32,
                                 hidden_sizes=(16,), lstm_size=8, seed=1)


class AcmeContractTest(absltest.TestCase):

  @classmethod
  def setUpClass(cls):
    super().setUpClass()
    cls.server = reverb.Server(unrolls.queue_tables((10, 5), 3, CONFIG))
    cls.client = reverb.Client(f'localhost:{cls.server.port}')

  @classmethod
  def tearDownClass(cls):
    cls.server.stop()
    super().tearDownClass()

  def test_environment_loop_runs_the_actor_and_fills_the_queue(self):
    writer = unrolls.UnrollWriter(self.client, unrolls.QUEUE_TABLE,
                                  lambda: False)

    def make(view):
      network = networks.make_network(view.observation_shape,
                                      view.num_actions, CONFIG)
      return actor_lib.UnrollActor(network, view.num_envs, CONFIG, writer,
                                   seed=0)

    actor, steps = helpers.run_acme_loop('catch', make, num_episodes=3)
    writer.close()
    self.assertIsInstance(actor, acme.core.Actor)
    self.assertEqual(steps, 27)  # Catch episodes last 9 steps.
    # Unrolls run across episode ends; the final step is held (acme_actor).
    expected = (steps - 1) // CONFIG.unroll_length
    self.assertEqual(actor.batched_actor.unrolls_written, expected)
    info = self.client.server_info()[unrolls.QUEUE_TABLE]
    self.assertEqual(info.current_size, expected)

    # The learner takes them as it takes the actor nodes' unrolls.
    dataset = datasets.make_reverb_dataset(
        server_address=f'localhost:{self.server.port}',
        batch_size=CONFIG.batch_size, table=unrolls.QUEUE_TABLE,
        num_parallel_calls=1)
    network = networks.make_network((10, 5), 3, CONFIG)
    learner = learner_lib.IMPALALearner(network, iter(dataset), CONFIG)
    self.assertIsInstance(learner, acme.core.Learner)
    before = weights.get_weights(network)
    learner.step()
    (after,) = learner.get_variables(['policy'])
    self.assertFalse(all(np.allclose(a, b) for a, b in zip(before, after)))

  def test_save_restore_round_trip(self):
    source = learner_lib.IMPALALearner(
        networks.make_network((10, 5), 3, CONFIG), iter([]), CONFIG)
    other_config = config_lib.IMPALAConfig(
        unroll_length=5, batch_size=2, queue_size=32, hidden_sizes=(16,),
        lstm_size=8, seed=2)
    target = learner_lib.IMPALALearner(
        networks.make_network((10, 5), 3, other_config), iter([]),
        other_config)
    # Another seed: other weights until restored.
    helpers.assert_restores(self, source, target, 'policy')


if __name__ == '__main__':
  absltest.main()
