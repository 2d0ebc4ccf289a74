"""The ES master and workers in one process: reports are scalars under
1 KiB, the master steps once per iteration from every worker, and a few
iterations improve CartPole."""

import threading
import time

from absl.testing import absltest
import numpy as np

from agents.common import batched_environments
from agents.common import wire
from agents.es import config as config_lib
from agents.es import master as master_lib
from agents.es import maths
from agents.es import policy as policy_lib
from agents.es import worker as worker_lib

CONFIG = config_lib.ESConfig(noise_table_size=200_000, pairs_per_worker=8,
                             seed=3)


def _setup(num_workers=2, config=CONFIG):
  workers = [worker_lib.ESWorker('cartpole', config, seed=i)
             for i in range(num_workers)]
  return master_lib.ESMaster(config, num_workers, workers[0].shapes), workers


class ESMasterTest(absltest.TestCase):

  def test_one_step_per_iteration_from_all_workers(self):
    master, workers = _setup()
    version, theta, mean, std = master.get_task()
    self.assertEqual(version, 0)
    np.testing.assert_array_equal(mean, 0.0)
    payload, figures = workers[0].evaluate(theta, mean, std)
    # Only indices, returns and statistics: well under 1 KiB.
    self.assertLess(len(payload), 1024)
    self.assertEqual(figures['report_bytes'], len(payload))
    indices, returns, statistics = wire.unpack(payload)
    self.assertEqual(indices.shape, (8,))
    self.assertEqual(returns.shape, (8, 2))
    self.assertEqual(statistics.shape, (2 * 4 + 1,))
    self.assertTrue(master.report(0, payload))
    self.assertEqual(master.get_task()[0], 0)  # Waits for worker 1.
    payload_1, _ = workers[1].evaluate(theta, mean, std)
    self.assertTrue(master.report(0, payload_1))
    version, new_theta, mean, std = master.get_task()
    self.assertEqual(version, 1)
    self.assertFalse(np.allclose(new_theta, theta))
    self.assertTrue((std != 1.0).any())  # Statistics arrived.
    self.assertFalse(master.report(0, payload))  # Late: dropped.
    self.assertEqual(master.stats()['dropped'], 1)

  def test_get_task_waits_for_the_next_iteration(self):
    master, (worker,) = _setup(num_workers=1)
    version, theta, mean, std = master.get_task()
    # Nothing newer than the caller's iteration: None after the wait.
    started = time.time()
    self.assertIsNone(master.get_task(version, timeout_seconds=0.2))
    self.assertGreaterEqual(time.time() - started, 0.2)
    payload, _ = worker.evaluate(theta, mean, std)
    reported = threading.Timer(0.3, master.report, (version, payload))
    reported.start()
    task = master.get_task(version, timeout_seconds=30.0)
    reported.join()
    self.assertEqual(task[0], version + 1)

  def test_memory_does_not_grow_with_reports(self):
    master, (worker,) = _setup(num_workers=1)
    sizes = []
    for _ in range(4):
      version, theta, mean, std = master.get_task()
      payload, _ = worker.evaluate(theta, mean, std)
      master.report(version, payload)
      sizes.append(sum(len(v) for v in vars(master).values()
                       if isinstance(v, (list, dict))))
    self.assertEqual(len(set(sizes)), 1, sizes)
    self.assertAlmostEqual(master.stats()['mean_report_bytes'], len(payload))

  def test_rows_are_theta_plus_and_minus_sigma_eps_of_the_indices(self):
    master, (worker,) = _setup(num_workers=1)
    _, theta, mean, std = master.get_task()
    payload, _ = worker.evaluate(theta, mean, std)
    indices, returns, _ = wire.unpack(payload)
    # Replay by hand: a fresh copy of the worker's environment (same seed),
    # row 2i = theta + sigma eps_i, row 2i + 1 = theta - sigma eps_i.
    table = maths.NoiseTable(CONFIG.noise_table_size, CONFIG.seed)
    rows = []
    for index in indices:
      eps = table.get(int(index), theta.size)
      rows += [theta + CONFIG.sigma * eps, theta - CONFIG.sigma * eps]
    policy = policy_lib.BatchedPolicy(worker.shapes)
    policy.set_parameters(np.stack(rows))
    env = batched_environments.make_batched_environment(
        'cartpole', 2 * CONFIG.pairs_per_worker, 0)
    expected, _ = worker_lib.play(env, policy, mean, std, 1000)
    np.testing.assert_allclose(returns.ravel(), expected)

  def test_two_dimensional_observations_are_flattened(self):
    # Catch observes a 10x5 board; the policy and statistics take 50.
    worker = worker_lib.ESWorker('catch', CONFIG, seed=0)
    master = master_lib.ESMaster(CONFIG, 1, worker.shapes)
    _, theta, mean, std = master.get_task()
    self.assertEqual(mean.shape, (50,))
    payload, figures = worker.evaluate(theta, mean, std)
    master.report(0, payload)
    self.assertBetween(figures['mean_return'], -1.0, 1.0)
    # The evaluator's actor too, with statistics (standardized inputs).

    class Source:

      def get_variables(self, names):
        del names
        return [(theta, np.zeros(50, np.float32), np.ones(50, np.float32))]

    environment = batched_environments.make_batched_environment(
        'catch', 4, 0)
    actor = worker_lib.ESEvaluationActor(worker.shapes, 4, Source(), CONFIG)
    actor.update()
    actions = actor.select_action(environment.reset())
    self.assertEqual(actions.shape, (4,))

  def test_a_few_iterations_improve_cartpole(self):
    config = config_lib.ESConfig(noise_table_size=1_000_000,
                                 pairs_per_worker=16, seed=0)
    master, workers = _setup(config=config)
    means = []
    for _ in range(12):
      version, theta, mean, std = master.get_task()
      for worker in workers:
        payload, figures = worker.evaluate(theta, mean, std)
        master.report(version, payload)
      means.append(figures['mean_return'])
    print('ES mean population return per iteration:', np.round(means, 1))
    self.assertGreater(np.mean(means[-3:]), 2 * np.mean(means[:3]))


if __name__ == '__main__':
  absltest.main()
