"""Data-parallel learner replicas: K learners on slices of a batch, their
gradients averaged by the all-reduce node's `AllReduce`, stay bit-identical
and (IMPALA, A2C) make the update of one learner on the whole batch, up to
rounding; PPO's replicas average every minibatch. And A2C's learner."""

import dataclasses
import threading
import time
import types

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.a3c import config as a3c_config
from agents.a3c import learner as a3c_learner
from agents.a3c import losses as a3c_losses
from agents.common import actor_critic
from agents.common import unroll_learner
from agents.common import unrolls
from agents.common import weights
from agents.impala import config as impala_config
from agents.impala import learner as impala_learner
from agents.ppo import config as ppo_config
from agents.ppo import learner as ppo_learner
from programs.nodes import all_reduce as all_reduce_lib

OBSERVATION_SHAPE = (4,)
NUM_ACTIONS = 3
UNROLL = 5
BATCH = 8
STEPS = 4


def _batch(rng):
  """Random unrolls [BATCH, ...] in the queue's structure (feed-forward)."""
  first = rng.random((BATCH, UNROLL + 1)) < 0.2
  return types.SimpleNamespace(data={
      'observation': rng.normal(size=(BATCH, UNROLL + 1) + OBSERVATION_SHAPE
                                ).astype(np.float32),
      'first': first,
      'action': rng.integers(0, NUM_ACTIONS, (BATCH, UNROLL)).astype(
          np.int32),
      'reward': rng.normal(size=(BATCH, UNROLL)).astype(np.float32),
      'discount': (~first[:, 1:]).astype(np.float32),
      'behaviour_logits': rng.normal(size=(BATCH, UNROLL, NUM_ACTIONS)
                                     ).astype(np.float32),
  })


def _slice(batch, start, stop):
  return types.SimpleNamespace(
      data={k: v[start:stop] for k, v in batch.data.items()})


def _learner(learner_class, config, batches, all_reduce=None):
  network = actor_critic.make_network(OBSERVATION_SHAPE, NUM_ACTIONS, config)
  if learner_class is ppo_learner.PPOLearner:  # It takes the whole batch's
    return learner_class(network, iter(batches), config, BATCH,  # size.
                         all_reduce=all_reduce)
  return learner_class(network, iter(batches), config, all_reduce=all_reduce)


def _train_replicas(learner_class, config, batches, reducer):
  """K replicas in threads, replica i on slice i of every batch."""
  k = config.learner_replicas
  size = BATCH // k
  deadline = time.monotonic() + 60

  def on_wait():  # A replica that failed must not leave the other waiting.
    if time.monotonic() > deadline:
      raise TimeoutError('a replica waited 60 s for the others')
  learners = [
      _learner(learner_class, config,
               [_slice(b, i * size, (i + 1) * size) for b in batches],
               None if reducer is None else
               unroll_learner.AllReduceClient(reducer, i, on_wait))
      for i in range(k)]
  threads = [threading.Thread(target=lambda l=l: [l.step() for _ in batches],
                              daemon=True)
             for l in learners]
  for thread in threads:
    thread.start()
  for thread in threads:
    thread.join(60)
  return learners


def _assert_bit_identical(test, a, b):
  for x, y in zip(weights.get_weights(a._network),
                  weights.get_weights(b._network)):
    test.assertEqual(x.tobytes(), y.tobytes())


class ReplicasTest(absltest.TestCase):

  def _check(self, learner_class, config, same_as_one_learner=True,
             updates_per_batch=1):
    rng = np.random.default_rng(0)
    batches = [_batch(rng) for _ in range(STEPS)]
    reducer = all_reduce_lib.AllReduce(config.learner_replicas)
    replicas = _train_replicas(learner_class, config, batches, reducer)
    self.assertEqual(reducer.rounds_done, STEPS * updates_per_batch)
    for replica in replicas:
      self.assertEqual(replica.num_steps, STEPS * updates_per_batch)
    for replica in replicas[1:]:
      _assert_bit_identical(self, replicas[0], replica)
      # The optimizer's slots too: the next update stays identical.
      for x, y in zip(replicas[0]._optimizer.variables,  # pylint: disable=protected-access
                      replica._optimizer.variables):  # pylint: disable=protected-access
        self.assertEqual(x.numpy().tobytes(), y.numpy().tobytes())
    if same_as_one_learner:  # One learner on the whole batches.
      single = _learner(learner_class, dataclasses.replace(
          config, learner_replicas=1), batches)
      for _ in batches:
        single.step()
      for x, y in zip(weights.get_weights(single._network),  # pylint: disable=protected-access
                      weights.get_weights(replicas[0]._network)):  # pylint: disable=protected-access
        np.testing.assert_allclose(x, y, rtol=1e-4, atol=1e-5)
    # Without the all-reduce, replicas on different slices drift apart.
    apart = _train_replicas(learner_class, config, batches, None)
    self.assertFalse(all(
        np.array_equal(x, y) for x, y in zip(
            weights.get_weights(apart[0]._network),  # pylint: disable=protected-access
            weights.get_weights(apart[1]._network))))  # pylint: disable=protected-access

  def test_impala_replicas(self):
    self._check(impala_learner.IMPALALearner, impala_config.IMPALAConfig(
        unroll_length=UNROLL, batch_size=BATCH, learner_replicas=2,
        hidden_sizes=(16,), seed=3))

  def test_a2c_replicas(self):
    self._check(a3c_learner.A2CLearner, a3c_config.A2CConfig(
        unroll_length=UNROLL, batch_size=BATCH, learner_replicas=4,
        hidden_sizes=(16,), seed=3, inference='central'))


  def test_ppo_replicas(self):
    """Every minibatch averaged: identical replicas. Not one learner's
    updates: each replica shuffles and normalises over its own part."""
    config = ppo_config.PPOConfig(
        unroll_length=UNROLL, batch_size=BATCH, queue_size=32,
        num_epochs=2, num_minibatches=2, learner_replicas=2,
        hidden_sizes=(16,), seed=3)
    self._check(ppo_learner.PPOLearner, config, same_as_one_learner=False,
                updates_per_batch=4)


class A2CLearnerTest(absltest.TestCase):

  def test_updates_follow_the_workers_loss(self):
    """The learner's first update is SGD on the gradient of the workers'
    rollout loss (`losses.rollout_loss`, mean over environments)."""
    config = a3c_config.A2CConfig(unroll_length=UNROLL, batch_size=BATCH,
                                  hidden_sizes=(16,), optimizer='sgd',
                                  learning_rate=0.1, seed=3)
    batch = _batch(np.random.default_rng(1))
    learner = _learner(a3c_learner.A2CLearner, config, [batch])
    network = learner._network  # pylint: disable=protected-access
    before = {v.name: v.numpy() for v in network.variables}
    data = unrolls.time_major(batch.data)
    with tf.GradientTape() as tape:
      logits, values, _ = network.unroll(data['observation'], data['first'],
                                         ())
      loss, _ = a3c_losses.rollout_loss(
          logits[:-1], values[:-1], values[-1], data['action'],
          data['reward'], data['discount'], config)
      loss = tf.reduce_mean(loss)
    gradients = tape.gradient(loss, network.trainable_variables)
    gradients, _ = tf.clip_by_global_norm(gradients,
                                          config.max_gradient_norm)
    np.testing.assert_allclose(learner.compute_loss(batch.data)['loss'],
                               loss, rtol=1e-6)
    learner.step()
    for variable, gradient in zip(network.trainable_variables, gradients):
      np.testing.assert_allclose(
          variable.numpy(), before[variable.name] - 0.1 * gradient.numpy(),
          atol=1e-6)


if __name__ == '__main__':
  absltest.main()
