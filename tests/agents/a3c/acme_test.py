"""A3C the acme way: acme.EnvironmentLoop runs a worker on one plain
environment; each rollout's gradient reaches the parameter server."""

from absl.testing import absltest
import acme
import numpy as np

from agents.a3c import config as config_lib
from agents.a3c import worker as worker_lib
from agents.common import actor_critic
from agents.common import optimizers
from agents.common import parameter_server
from agents.common import variable_client
from agents.common import weights
from tests import helpers

CONFIG = config_lib.A3CConfig(hidden_sizes=(16,), unroll_length=5, seed=4)


class AcmeContractTest(absltest.TestCase):

  def test_environment_loop_runs_a_worker_that_pushes_gradients(self):
    shard = parameter_server.ParameterShard(
        CONFIG.optimizer, CONFIG.learning_rate,
        optimizer_kwargs=optimizers.options(CONFIG))
    parameters = parameter_server.ShardedParameters([shard])

    def make(view):
      network = actor_critic.make_network(view.observation_shape,
                                          view.num_actions, CONFIG)
      return worker_lib.make_worker(network, view.num_envs, parameters,
                                    CONFIG, seed=0)

    actor, steps = helpers.run_acme_loop('catch', make, num_episodes=3)
    self.assertIsInstance(actor, acme.core.Actor)
    self.assertEqual(shard.stats()['applied'],
                     (steps - 1) // CONFIG.unroll_length)

    # The evaluation actor plays the server's parameters.
    def make_evaluator(view):
      network = actor_critic.make_network(view.observation_shape,
                                          view.num_actions, CONFIG)
      client = variable_client.VariableClient(
          parameters, {'policy': network.variables})
      actor = worker_lib.make_evaluation_actor(network, view.num_envs,
                                               client, CONFIG, seed=1)
      actor.update(wait=True)
      server, _ = parameters.pull()
      for a, b in zip(weights.get_weights(network), server):
        np.testing.assert_array_equal(a, b)
      return actor

    _, steps = helpers.run_acme_loop('catch', make_evaluator, num_episodes=2)
    self.assertEqual(steps, 18)


if __name__ == '__main__':
  absltest.main()
