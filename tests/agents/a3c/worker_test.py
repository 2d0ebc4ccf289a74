"""A3C/A2C workers against in-process parameter shards: a rollout becomes
one pushed gradient, the worker acts on the parameters the server answers
with, A2C workers wait for each other."""

import threading

from absl.testing import absltest
import numpy as np

from agents.a3c import config as config_lib
from agents.a3c import worker as worker_lib
from agents.common import actor_critic
from agents.common import batched_environments
from agents.common import optimizers
from agents.common import parameter_server
from agents.common import weights
from programs.nodes import actor_runner

CONFIG = config_lib.A3CConfig(hidden_sizes=(16,), unroll_length=5,
                              envs_per_worker=2, learning_rate=1e-2, seed=4)


def _shards(config, num_workers=None):
  return [parameter_server.ParameterShard(
      config.optimizer, config.learning_rate,
      optimizer_kwargs=optimizers.options(config),
      synchronous_workers=num_workers) for _ in range(2)]


def _run(worker, env_seed, rollouts):
  env = batched_environments.make_batched_environment('cartpole', 2,
                                                      env_seed)
  actor_runner.run_batched_loop(
      worker, env, lambda: worker.unrolls_written >= 2 * rollouts)


class WorkerTest(absltest.TestCase):

  def test_a3c_worker_pushes_one_gradient_per_rollout(self):
    shards = _shards(CONFIG)
    network = actor_critic.make_network((4,), 2, CONFIG)
    start = weights.get_weights(network)
    worker = worker_lib.make_worker(
        network, 2, parameter_server.ShardedParameters(shards), CONFIG,
        seed=0)
    _run(worker, 0, rollouts=3)
    self.assertEqual(sum(s.stats()['applied'] for s in shards), 2 * 3)
    server, _ = parameter_server.ShardedParameters(shards).pull()
    # The worker holds what the server answered, and it moved.
    for local, remote in zip(weights.get_weights(network), server):
      np.testing.assert_array_equal(local, remote)
    self.assertFalse(all(np.allclose(a, b) for a, b in zip(server, start)))

  def test_lstm_worker_pushes_rollouts_from_their_stored_state(self):
    import dataclasses  # pylint: disable=g-import-not-at-top
    config = dataclasses.replace(CONFIG, lstm_size=8)
    shards = _shards(config)
    network = actor_critic.make_network((4,), 2, config)
    worker = worker_lib.make_worker(
        network, 2, parameter_server.ShardedParameters(shards), config,
        seed=0)
    _run(worker, 0, rollouts=3)  # Rollouts 2 and 3 start mid-episode.
    self.assertEqual(sum(s.stats()['applied'] for s in shards), 2 * 3)

  def test_gradient_matches_a_direct_computation(self):
    shards = _shards(CONFIG)
    network = actor_critic.make_network((4,), 2, CONFIG)
    pusher = worker_lib.GradientPusher(
        network, parameter_server.ShardedParameters(shards), CONFIG)
    rng = np.random.default_rng(0)
    unrolls = {  # Batch-major, the IMPALA actor's layout; T = 5, B = 2.
        'observation': rng.normal(size=(2, 6, 4)).astype(np.float32),
        'first': np.zeros((2, 6), bool),
        'action': rng.integers(0, 2, (2, 5)).astype(np.int32),
        'reward': np.ones((2, 5), np.float32),
        'discount': np.ones((2, 5), np.float32),
        'behaviour_logits': np.zeros((2, 5, 2), np.float32),
    }
    gradient = pusher.gradient(unrolls)
    self.assertLen(gradient, len(network.trainable_variables))
    self.assertGreater(sum(np.abs(g).sum() for g in gradient), 0)
    self.assertGreater(pusher.metrics['entropy'], 0.5)  # Near log 2 at start.
    # Pushing it applies exactly that gradient (RMSProp, first step).
    before = weights.get_weights(network)
    pusher.write(unrolls)
    optimizer = optimizers.Optimizer(CONFIG.optimizer, CONFIG.learning_rate,
                                     **optimizers.options(CONFIG))
    optimizer.apply(gradient, before)
    for a, b in zip(weights.get_weights(network), before):
      np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)

  def test_a2c_workers_wait_for_each_round(self):
    config = config_lib.A2CConfig(hidden_sizes=(16,), unroll_length=5,
                                  envs_per_worker=2, seed=4)
    shards = _shards(config, num_workers=2)
    workers = [worker_lib.make_worker(
        actor_critic.make_network((4,), 2, config), 2,
        parameter_server.ShardedParameters(shards), config, seed=i)
               for i in range(2)]
    threads = [threading.Thread(target=_run, args=(w, i, 4))
               for i, w in enumerate(workers)]
    for thread in threads:
      thread.start()
    for thread in threads:
      thread.join(60)
    # 2 workers x 4 rollouts = 4 averaged updates per shard, none dropped.
    for shard in shards:
      self.assertEqual(shard.stats(), {'version': 4, 'applied': 4,
                                       'dropped': 0})


if __name__ == '__main__':
  absltest.main()
