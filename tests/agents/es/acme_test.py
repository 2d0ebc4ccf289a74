"""ES the acme way: acme.EnvironmentLoop runs the evaluation actor (theta,
unperturbed) on one plain environment, reading the master."""

from absl.testing import absltest
import acme
import numpy as np

from agents.es import config as config_lib
from agents.es import master as master_lib
from agents.es import policy as policy_lib
from agents.es import worker as worker_lib
from tests import helpers

CONFIG = config_lib.ESConfig(noise_table_size=10_000, seed=3)


class AcmeContractTest(absltest.TestCase):

  def test_environment_loop_plays_the_masters_theta(self):
    shapes = policy_lib.environment_layer_shapes('cartpole', CONFIG)
    master = master_lib.ESMaster(CONFIG, 1, shapes)
    played = []

    def make(view):
      actor = worker_lib.ESEvaluationActor(shapes, view.num_envs, master,
                                           CONFIG)
      actor.update()
      played.append(actor)
      return actor

    actor, steps = helpers.run_acme_loop('cartpole', make, num_episodes=2)
    self.assertIsInstance(actor, acme.core.Actor)
    self.assertGreater(steps, 2 * 8)  # CartPole episodes last >= 8 steps.
    # The policy it played is theta itself.
    _, theta, mean, std = master.get_task()
    observation = np.ones((1, 4), np.float32)
    reference = policy_lib.BatchedPolicy(shapes)
    reference.set_parameters(theta[None])
    np.testing.assert_array_equal(
        played[0].select_action(observation),
        reference.actions(policy_lib.normalize(observation, mean, std)))


if __name__ == '__main__':
  absltest.main()
