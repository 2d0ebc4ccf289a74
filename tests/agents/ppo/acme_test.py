"""PPO the acme way: acme.EnvironmentLoop runs a synchronous PPO actor on
one plain environment while a PPO learner trains on its unrolls in a
thread; the actor waits for one learner iteration per unroll."""

import threading

from absl.testing import absltest
import acme
import reverb

from agents.common import actor_critic
from agents.common import replay_datasets
from agents.common import unrolls
from agents.ppo import actor as actor_lib
from agents.ppo import config as config_lib
from agents.ppo import learner as learner_lib
from tests import helpers

CONFIG = config_lib.PPOConfig(hidden_sizes=(16,), unroll_length=5,
                              num_minibatches=1, seed=4)


class AcmeContractTest(absltest.TestCase):

  def test_environment_loop_runs_a_synchronous_actor(self):
    server = reverb.Server(unrolls.queue_tables((10, 5), 3, CONFIG,
                                                max_size=1))
    self.addCleanup(server.stop)
    address = f'localhost:{server.port}'
    network = actor_critic.make_network((10, 5), 3, CONFIG)
    learner = learner_lib.PPOLearner(
        network, iter(replay_datasets.make_dataset(
            address, unrolls.QUEUE_TABLE, 1)), CONFIG, batch_unrolls=1)
    stop = threading.Event()
    # The acme loop runs one environment: one unroll per iteration.
    learning = threading.Thread(
        target=lambda: [learner.step() for _ in iter(stop.is_set, True)],
        daemon=True)
    learning.start()
    views = []

    def make(view):
      actor_network = actor_critic.make_network(view.observation_shape,
                                                view.num_actions, CONFIG)
      views.append(actor_lib.make_actor(
          actor_network, view.num_envs, CONFIG, learner,
          reverb.Client(address), stop.is_set, seed=0))
      return views[-1]

    actor, steps = helpers.run_acme_loop('catch', make, num_episodes=3)
    self.assertIsInstance(actor, acme.core.Actor)
    written = views[0].unrolls_written
    self.assertEqual(written, steps // CONFIG.unroll_length)
    # Each written unroll was learned from before the actor went on.
    self.assertEqual(learner.iteration, written)
    stop.set()
    # The learner thread may be waiting for a next batch that never comes:
    # it is a daemon, and the server stops at cleanup.


if __name__ == '__main__':
  absltest.main()
