"""The DPG family the acme way: acme.EnvironmentLoop runs the Ape-X DPG
actor on one plain Pendulum and its prioritized transitions (float actions)
reach a live Reverb table, which a DPGLearner (an acme.core.Learner) then
learns from."""

from absl.testing import absltest
import acme
from acme import datasets
import numpy as np
import reverb

from agents.common import replay_samples
from agents.dpg import actor as actor_lib
from agents.dpg import config as config_lib
from agents.dpg import learner as learner_lib
from agents.dpg import networks
from agents.dqn import transitions
from tests import helpers

CONFIG = config_lib.ApexDPGConfig(
    policy_hidden_sizes=(16,), critic_hidden_sizes=(16,), batch_size=8,
    min_replay_size=8, replay_size=1000, replay_ratio=0.0, insert_batch=4,
    n_step=3, seed=2)


class AcmeContractTest(absltest.TestCase):

  def test_environment_loop_runs_the_actor_and_a_learner_learns(self):
    server = reverb.Server([transitions.replay_table((3,), CONFIG,
                                                     action_shape=(1,))])
    self.addCleanup(server.stop)
    client = reverb.Client(f'localhost:{server.port}')
    writer = transitions.TransitionWriter(client, transitions.REPLAY_TABLE,
                                          lambda: False)

    def make(view):  # The view reports truncations and the action bounds.
      policy, critic = networks.make_networks(
          view.observation_shape, view.action_minimum, view.action_maximum,
          CONFIG)
      return actor_lib.DPGActor(
          policy, critic, view.num_envs, view.observation_shape,
          view.action_minimum, view.action_maximum, CONFIG, noise_scale=0.3,
          writer=writer, seed=0, environment=view)

    actor, steps = helpers.run_acme_loop('pendulum', make, num_episodes=2)
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
    make_networks = lambda: networks.make_networks((3,), [-2.0], [2.0],
                                                   CONFIG)
    learner = learner_lib.DPGLearner(
        *make_networks(), *make_networks(), iter(dataset), CONFIG,
        priority_writer=replay_samples.PriorityWriter(
            client, transitions.REPLAY_TABLE))
    self.assertIsInstance(learner, acme.core.Learner)
    (before,) = learner.get_variables(['policy'])
    learner.step()
    (after,) = learner.get_variables(['policy'])
    self.assertFalse(all(np.allclose(a, b) for a, b in zip(before, after)))


if __name__ == '__main__':
  absltest.main()
