"""The sharded parameter server: split, arrival-order updates from two
learners, stale-gradient drops, the NumPy optimizers against Sonnet's, and
the Courier round trip (arrays sent as bytes)."""

import threading
import time

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import sonnet as snt
import tensorflow as tf

from agents.common import optimizers
from agents.common import parameter_server
from agents.common import wire

SHAPES = [(4, 8), (8,), (8, 2), (2,)]


def _parameters(seed=0):
  rng = np.random.default_rng(seed)
  return [rng.normal(size=s).astype(np.float32) for s in SHAPES]


def _sgd_shards(num_shards, max_staleness=None):
  return [parameter_server.ParameterShard('sgd', 0.1,
                                          max_staleness=max_staleness)
          for _ in range(num_shards)]


class ShardAssignmentTest(absltest.TestCase):

  def test_balanced_and_deterministic(self):
    assignment = parameter_server.shard_assignment(SHAPES, 2)
    self.assertEqual(assignment, parameter_server.shard_assignment(SHAPES, 2))
    self.assertEqual(sorted(set(assignment)), [0, 1])
    # The largest variable sits alone-ish: 32 vs 8 + 16 + 2.
    self.assertEqual(assignment[0], 0)
    self.assertEqual(parameter_server.shard_assignment(SHAPES, 1), [0] * 4)


class ShardedParametersTest(absltest.TestCase):

  def test_two_learners_across_shards_in_arrival_order(self):
    shards = _sgd_shards(2)
    learner_a = parameter_server.ShardedParameters(shards)
    learner_b = parameter_server.ShardedParameters(shards)
    start = _parameters()
    learner_a.initialize(start)
    learner_b.initialize(_parameters(seed=9))  # Too late: the first wins.
    params_a, versions_a = learner_a.pull()
    params_b, versions_b = learner_b.pull()
    for x, y in zip(params_a, start):
      np.testing.assert_array_equal(x, y)
    self.assertEqual(versions_a, [0, 0])
    grads_a = [np.ones(s, np.float32) for s in SHAPES]
    grads_b = [np.full(s, 2.0, np.float32) for s in SHAPES]
    self.assertEqual(learner_a.push(grads_a, versions_a)[0], [True, True])
    self.assertEqual(learner_b.push(grads_b, versions_b)[0], [True, True])
    params, versions = learner_a.pull()
    self.assertEqual(versions, [2, 2])  # Both shards took both pushes.
    for p, s in zip(params, start):  # SGD: s - 0.1 * (1 + 2), every variable.
      np.testing.assert_allclose(p, s - 0.3, rtol=1e-6)
    # A push can bring the new parameters back in the same round trip.
    applied, (pushed, versions) = learner_b.push(grads_a, versions, pull=True)
    self.assertEqual(applied, [True, True])
    self.assertEqual(versions, [3, 3])
    for p, s in zip(pushed, start):
      np.testing.assert_allclose(p, s - 0.4, rtol=1e-5, atol=1e-6)
    params = pushed
    # Network order comes back whatever the split.
    self.assertEqual([p.shape for p in params], SHAPES)
    self.assertEqual(learner_a.get_variables(['a', 'b'])[1][3].shape, (2,))

  def test_stale_gradients_are_dropped(self):
    shards = _sgd_shards(2, max_staleness=2)
    fresh = parameter_server.ShardedParameters(shards)
    slow = parameter_server.ShardedParameters(shards)
    fresh.initialize(_parameters())
    _, old_versions = slow.pull()
    grads = [np.ones(s, np.float32) for s in SHAPES]
    for _ in range(2):  # Versions 2 ahead: still accepted.
      _, versions = fresh.pull()
      fresh.push(grads, versions)[0]
    self.assertEqual(slow.push(grads, old_versions)[0], [True, True])
    # Now 3 ahead of the slow learner's copy: dropped, nothing changes.
    before, _ = fresh.pull()
    self.assertEqual(slow.push(grads, old_versions)[0], [False, False])
    after, versions = fresh.pull()
    self.assertEqual(versions, [3, 3])
    for x, y in zip(before, after):
      np.testing.assert_array_equal(x, y)
    self.assertEqual(shards[0].stats(), {'version': 3, 'applied': 3,
                                         'dropped': 1})

  def test_concurrent_pushes_are_all_applied(self):
    shards = _sgd_shards(3)
    parameter_server.ShardedParameters(shards).initialize(_parameters())
    grads = [np.ones(s, np.float32) for s in SHAPES]

    def learner():
      client = parameter_server.ShardedParameters(shards)
      for _ in range(50):
        client.push(grads, client.pull()[1])[0]
    threads = [threading.Thread(target=learner) for _ in range(4)]
    for t in threads:
      t.start()
    for t in threads:
      t.join()
    params, versions = parameter_server.ShardedParameters(shards).pull()
    self.assertEqual(versions, [200] * 3)
    for p, s in zip(params, _parameters()):
      np.testing.assert_allclose(p, s - 0.1 * 200, rtol=1e-4)

  def test_not_initialised(self):
    shard = parameter_server.ParameterShard('sgd', 0.1)
    self.assertIsNone(shard.get_parameters())
    with self.assertRaises(RuntimeError):
      shard.apply_gradients([np.zeros(1)], 0)


class A3CAndA2CTest(absltest.TestCase):
  """Shared-statistics RMSProp: one optimizer state for every worker."""

  def _rmsprop(self, **kwargs):
    return parameter_server.ParameterShard(
        'rmsprop', 0.01, optimizer_kwargs={'decay': 0.99, 'epsilon': 0.1},
        **kwargs)

  def _expected(self, gradient_sequence):
    optimizer = optimizers.Optimizer('rmsprop', 0.01, decay=0.99,
                                     epsilon=0.1)
    params = _parameters()
    for gradients in gradient_sequence:
      optimizer.apply(gradients, params)
    return params

  def test_a3c_applies_two_workers_in_arrival_order(self):
    shard = self._rmsprop()
    workers = [parameter_server.ShardedParameters([shard]) for _ in range(2)]
    for worker in workers:
      worker.initialize(_parameters())
      _, versions = worker.pull()
    g1 = [np.ones(s, np.float32) for s in SHAPES]
    g2 = [np.full(s, -3.0, np.float32) for s in SHAPES]
    # Worker 1 pushes first, then worker 0, both from version 0: no barrier.
    workers[1].push(g1, versions)
    _, (params, versions) = workers[0].push(g2, versions, pull=True)
    self.assertEqual(versions, [2])
    for p, e in zip(params, self._expected([g1, g2])):
      np.testing.assert_allclose(p, e, rtol=1e-6)
    # The order matters (shared statistics): the other order differs.
    for p, e in zip(params, self._expected([g2, g1])):
      self.assertFalse(np.allclose(p, e))

  def test_a2c_averages_one_gradient_per_worker(self):
    shard = self._rmsprop(synchronous_workers=2)
    workers = [parameter_server.ShardedParameters([shard]) for _ in range(2)]
    for worker in workers:
      worker.initialize(_parameters())
      _, versions = worker.pull()
    g1 = [np.ones(s, np.float32) for s in SHAPES]
    g2 = [np.full(s, -3.0, np.float32) for s in SHAPES]
    self.assertEqual(workers[0].push(g1, versions)[0], [True])
    params, after_one = workers[0].pull()
    self.assertEqual(after_one, [0])  # Waiting for the round's second.
    for p, s in zip(params, _parameters()):
      np.testing.assert_array_equal(p, s)
    self.assertEqual(workers[1].push(g2, versions)[0], [True])
    params, after_two = workers[1].pull()
    self.assertEqual(after_two, [1])
    mean = [(a + b) / 2 for a, b in zip(g1, g2)]
    for p, e in zip(params, self._expected([mean])):
      np.testing.assert_allclose(p, e, rtol=1e-6)
    # A gradient from the finished round is dropped, not mixed in.
    self.assertEqual(workers[0].push(g1, versions)[0], [False])
    self.assertEqual(shard.stats(), {'version': 1, 'applied': 1,
                                     'dropped': 1})


class WaitTest(absltest.TestCase):
  """A2C's round wait: a bounded blocking wait on the shard, no polling."""

  def test_wait_returns_none_at_the_timeout(self):
    shard = parameter_server.ParameterShard('sgd', 0.1,
                                            synchronous_workers=2)
    client = parameter_server.ShardedParameters([shard])
    client.initialize(_parameters())
    _, versions = client.pull()
    client.push([np.ones(s, np.float32) for s in SHAPES], versions)
    started = time.time()
    self.assertIsNone(client.wait(versions, timeout_seconds=0.2))
    self.assertGreaterEqual(time.time() - started, 0.2)

  def test_wait_wakes_when_the_round_is_applied(self):
    shard = parameter_server.ParameterShard('sgd', 0.1,
                                            synchronous_workers=2)
    workers = [parameter_server.ShardedParameters([shard]) for _ in range(2)]
    for worker in workers:
      worker.initialize(_parameters())
      _, versions = worker.pull()
    ones = [np.ones(s, np.float32) for s in SHAPES]
    workers[0].push(ones, versions)
    pushed = threading.Timer(0.3, workers[1].push, (ones, versions))
    pushed.start()
    started = time.time()
    params, after = workers[0].wait(versions, timeout_seconds=30.0)
    waited = time.time() - started
    pushed.join()
    self.assertEqual(after, [1])
    self.assertLess(waited, 10.0)  # Woken by the update, not the timeout.
    for p, s in zip(params, _parameters()):
      np.testing.assert_allclose(p, s - 0.1, rtol=1e-6)
    # Once past, the wait answers at once.
    self.assertIsNotNone(workers[1].wait(versions, timeout_seconds=0.0))


class OptimizerTest(parameterized.TestCase):

  @parameterized.parameters('adam', 'rmsprop')
  def test_matches_sonnet(self, name):
    rng = np.random.default_rng(0)
    start = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
    variables = [tf.Variable(s) for s in start]
    if name == 'adam':
      reference = snt.optimizers.Adam(1e-2, epsilon=1e-6)
      ours = optimizers.Optimizer('adam', 1e-2, epsilon=1e-6)
    else:
      reference = snt.optimizers.RMSProp(1e-2, decay=0.95, epsilon=0.01)
      ours = optimizers.Optimizer('rmsprop', 1e-2, decay=0.95, epsilon=0.01)
    params = [s.copy() for s in start]
    for _ in range(5):
      grads = [rng.normal(size=s).astype(np.float32) for s in SHAPES]
      reference.apply([tf.constant(g) for g in grads], variables)
      ours.apply(grads, params)
    for v, p, s in zip(variables, params, start):
      np.testing.assert_allclose(p, v.numpy(), rtol=1e-5, atol=1e-6)
      self.assertFalse(np.allclose(p, s))

  def test_unknown(self):
    with self.assertRaises(ValueError):
      optimizers.Optimizer('lamb', 1.0)


class CourierTest(absltest.TestCase):
  """A shard behind a real Courier server, as in the programs."""

  def test_round_trip_over_courier(self):
    from courier.python import client as courier_client  # pylint: disable=g-import-not-at-top
    from courier.python import py_server  # pylint: disable=g-import-not-at-top
    shards, servers, clients = [], [], []
    for _ in range(2):
      shard = parameter_server.ParameterShard('sgd', 0.5)
      server = py_server.Server()
      for method in ('initialize', 'get_parameters', 'apply_gradients'):
        server.Bind(method, getattr(shard, method))
      server.Start()
      shards.append(shard)
      servers.append(server)
      clients.append(courier_client.Client(server.address, call_timeout=10))
    try:
      remote = parameter_server.ShardedParameters(clients)
      remote.initialize(_parameters())
      _, versions = remote.pull()
      self.assertEqual(remote.push([np.ones(s, np.float32) for s in SHAPES],
                                   versions)[0], [True, True])
      params, versions = remote.pull()
      self.assertEqual(versions, [1, 1])
      for p, s in zip(params, _parameters()):
        np.testing.assert_allclose(p, s - 0.5, rtol=1e-6)
    finally:
      for server in servers:
        server.Stop()

  def test_wire(self):
    arrays = _parameters()
    for x, y in zip(wire.unpack(wire.pack(arrays)), arrays):
      np.testing.assert_array_equal(x, y)
      self.assertEqual(x.dtype, y.dtype)


if __name__ == '__main__':
  absltest.main()
