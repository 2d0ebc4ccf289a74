"""Checkpoints: every agent's learner (networks, target networks, optimizer
slots, step count), parameter shard, ES master and the counter come back
identical from a save; damaged, partial and foreign saves are refused."""

import json
import os
import shutil
import tempfile
import time

from absl.testing import absltest
from absl.testing import parameterized
import numpy as np
import tensorflow as tf

from agents.common import parameter_server
from agents.dqn import config as dqn_config
from agents.dqn import learner as dqn_learner
from agents.dqn import networks as dqn_networks
from agents.es import config as es_config
from agents.es import master as es_master
from agents.impala import config as impala_config
from agents.impala import learner as impala_learner
from agents.impala import networks as impala_networks
from agents.r2d2 import config as r2d2_config
from agents.r2d2 import learner as r2d2_learner
from agents.r2d2 import networks as r2d2_networks
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib


def _tempdir(test_case):
  path = tempfile.mkdtemp(prefix='checkpoints_test_')
  test_case.addCleanup(shutil.rmtree, path, ignore_errors=True)
  return path


def _impala(seed, hidden=(16,)):
  config = impala_config.IMPALAConfig(
      unroll_length=5, batch_size=2, queue_size=32, hidden_sizes=hidden,
      lstm_size=8, seed=seed)
  return impala_learner.IMPALALearner(
      impala_networks.make_network((10, 5), 3, config), iter([]), config)


def _dqn(seed, hidden=(16,)):
  config = dqn_config.ApexConfig(hidden_sizes=hidden, batch_size=8,
                                 min_replay_size=8, seed=seed)
  make = lambda: dqn_networks.make_network((4,), 2, config)
  return dqn_learner.DQNLearner(make(), make(), iter([]), config)


def _r2d2(seed, hidden=(16,)):
  config = r2d2_config.R2D2Config(
      hidden_sizes=hidden, lstm_size=8, batch_size=4, min_replay_size=4,
      sequence_length=8, burn_in=2, sequence_period=4, seed=seed)
  make = lambda: r2d2_networks.make_network((2,), 2, config)
  return r2d2_learner.R2D2Learner(make(), make(), iter([]), config)


def _variables(learner):
  """Every variable of the learner's checkpointed state, by path."""
  found = {}
  for key, value in learner.state.items():
    if isinstance(value, tf.Variable):
      found[key] = value.numpy()
    else:
      for variable in value.variables:
        found[f'{key}/{variable.name}/{len(found)}'] = variable.numpy()
  return found


def _perturb(learner, seed):
  """Gives every variable (slots and step count too) new values."""
  rng = np.random.default_rng(seed)
  for value in learner.state.values():
    for variable in ([value] if isinstance(value, tf.Variable)
                     else value.variables):
      if variable.dtype.is_integer:
        variable.assign(variable + int(rng.integers(1, 100)))
      else:
        variable.assign(rng.normal(size=variable.shape).astype(
            variable.dtype.as_numpy_dtype))


class LearnerCheckpointTest(parameterized.TestCase):

  @parameterized.named_parameters(('impala', _impala), ('dqn', _dqn),
                                  ('r2d2', _r2d2))
  def test_round_trip_restores_every_variable(self, make):
    schedule = checkpoints.Schedule(_tempdir(self), 60.0)
    source, target = make(seed=1), make(seed=2)
    _perturb(source, seed=0)
    self.assertGreater(source.num_steps, 0)
    saved = _variables(source)
    self.assertGreaterEqual(
        sum('optimizer' in k for k in saved), 2)  # Slots are in it.
    before = _variables(target)
    # Negative control: another seed and the perturbation differ everywhere.
    for key in saved:
      self.assertFalse(np.array_equal(saved[key], before[key]), key)

    checkpoints.Checkpointer('learner', schedule,
                             checkpoints.TFState(source.state)).save()
    restored = checkpoints.Checkpointer(
        'learner', schedule, checkpoints.TFState(target.state)).restore()
    self.assertIsNotNone(restored)
    after = _variables(target)
    self.assertEqual(sorted(saved), sorted(after))
    for key in saved:
      np.testing.assert_array_equal(saved[key], after[key], err_msg=key)
    self.assertEqual(target.num_steps, source.num_steps)

  @parameterized.named_parameters(('impala', _impala), ('dqn', _dqn))
  def test_another_architecture_is_refused(self, make):
    schedule = checkpoints.Schedule(_tempdir(self), 60.0)
    checkpoints.Checkpointer('learner', schedule,
                             checkpoints.TFState(make(1).state)).save()
    other = make(1, hidden=(8, 8))
    with self.assertRaisesRegex(checkpoints.CheckpointError,
                                'does not fit this node'):
      checkpoints.Checkpointer('learner', schedule,
                               checkpoints.TFState(other.state)).restore()


def _shard(seed):
  shard = parameter_server.ParameterShard('adam', 0.01)
  rng = np.random.default_rng(seed)
  shard.initialize([0, 2], [rng.normal(size=(3, 2)).astype(np.float32),
                            rng.normal(size=(4,)).astype(np.float32)])
  for _ in range(seed + 1):
    shard.apply_gradients([rng.normal(size=(3, 2)), rng.normal(size=(4,))],
                          version=shard.version)
  return shard


def _assert_same_state(test_case, a, b):
  """Nested dicts/lists of arrays and numbers are equal."""
  if isinstance(a, dict):
    test_case.assertEqual(sorted(a), sorted(b))
    for key in a:
      _assert_same_state(test_case, a[key], b[key])
  elif isinstance(a, (list, tuple)):
    test_case.assertLen(b, len(a))
    for x, y in zip(a, b):
      _assert_same_state(test_case, x, y)
  else:
    np.testing.assert_array_equal(a, b)


class PythonStateCheckpointTest(absltest.TestCase):

  def _round_trip(self, source, target):
    schedule = checkpoints.Schedule(_tempdir(self), 60.0)
    saved = source.save()
    with self.assertRaises(AssertionError):  # Negative control.
      _assert_same_state(self, saved, target.save())
    checkpoints.Checkpointer('node', schedule,
                             checkpoints.PythonState(source)).save()
    checkpoints.Checkpointer('node', schedule,
                             checkpoints.PythonState(target)).restore()
    _assert_same_state(self, saved, target.save())

  def test_parameter_shard_parameters_slots_and_version(self):
    source, target = _shard(3), _shard(1)
    self._round_trip(source, target)
    self.assertEqual(target.version, 4)
    # The restored shard goes on exactly as the source does.
    gradient = [np.ones((3, 2)), np.ones((4,))]
    source.apply_gradients(gradient, source.version)
    target.apply_gradients(gradient, target.version)
    _assert_same_state(self, source.save(), target.save())
    # Restored parameters count as the initialisation.
    self.assertFalse(target.initialize([0], [np.zeros(2)]))

  def test_es_master_theta_adam_and_statistics(self):
    config = es_config.ESConfig(noise_table_size=10_000, seed=4)
    shapes = [(4, 8), (8,), (8, 2), (2,)]
    source = es_master.ESMaster(config, 1, shapes)
    target = es_master.ESMaster(es_config.ESConfig(
        noise_table_size=10_000, seed=5), 1, shapes)
    source._statistics.add(np.arange(8.0).reshape(2, 4))  # pylint: disable=protected-access
    source._optimizer.apply([np.ones_like(source.theta)], source._parameters)  # pylint: disable=protected-access
    self._round_trip(source, target)
    np.testing.assert_array_equal(target.get_task()[1], source.get_task()[1])
    np.testing.assert_array_equal(target.get_task()[2], source.get_task()[2])

  def test_counter_counts_and_run_time(self):
    schedule = checkpoints.Schedule(_tempdir(self), 60.0)
    budget = budget_lib.Budget(max_seconds=100)
    source = counter_lib.CounterNode(budget, time.time() - 42.0,
                                     checkpoint=schedule)
    source.increment(actor_steps=10, learner_steps=3)
    checkpoints.Checkpointer('counter', schedule,
                             checkpoints.PythonState(source)).save()
    self.assertAlmostEqual(counter_lib.elapsed_seconds(schedule.logdir), 42.0,
                           delta=5.0)
    target = counter_lib.CounterNode(budget, time.time(), checkpoint=schedule)
    self.assertEqual(target.get_counts(),
                     {'actor_steps': 10, 'learner_steps': 3})
    fresh = counter_lib.CounterNode(budget, time.time())
    self.assertEqual(fresh.get_counts(), {})  # Negative control.


class _Numbers:
  """A Saveable of one number."""

  def __init__(self, value=0):
    self.value = value

  def save(self):
    return {'value': self.value}

  def restore(self, state):
    self.value = state['value']


class CheckpointerTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.logdir = _tempdir(self)
    self.schedule = checkpoints.Schedule(self.logdir, 10.0)

  def _checkpointer(self, numbers, clock=time.time):
    return checkpoints.Checkpointer('node', self.schedule,
                                    checkpoints.PythonState(numbers),
                                    describe=lambda: {'v': numbers.value},
                                    clock=clock)

  def test_saves_by_period_and_keeps_the_last_few(self):
    now = [0.0]
    numbers = _Numbers()
    checkpointer = self._checkpointer(numbers, clock=lambda: now[0])
    self.assertIsNone(checkpointer.maybe_save())
    for i in range(1, 6):
      now[0] += 10.0
      numbers.value = i
      self.assertIsNotNone(checkpointer.maybe_save())
    files = sorted(f for f in os.listdir(checkpointer.directory)
                   if f.endswith('.pkl'))
    self.assertEqual(files, ['ckpt-3.pkl', 'ckpt-4.pkl', 'ckpt-5.pkl'])
    target = _Numbers()
    info = self._checkpointer(target).restore()
    self.assertEqual((target.value, info['v'], info['number']), (5, 5, 5))

  def test_a_save_cut_short_leaves_the_one_before(self):
    numbers = _Numbers(7)
    self._checkpointer(numbers).save()
    # A crash after the next save's file but before latest.json.
    with open(os.path.join(self.schedule.directory('node'), 'ckpt-2.pkl'),
              'wb') as f:
      f.write(b'half a pick')
    target = _Numbers()
    self._checkpointer(target).restore()
    self.assertEqual(target.value, 7)

  def test_a_damaged_save_is_refused(self):
    self._checkpointer(_Numbers(7)).save()
    path = os.path.join(self.schedule.directory('node'), 'ckpt-1.pkl')
    with open(path, 'r+b') as f:
      f.seek(5)
      f.write(b'\x00\x01')
    with self.assertRaisesRegex(checkpoints.CheckpointError, 'damaged'):
      self._checkpointer(_Numbers()).restore()
    with self.assertRaisesRegex(checkpoints.CheckpointError, 'ckpt-1.pkl'):
      checkpoints.verify(self.logdir)
    os.remove(path)
    with self.assertRaisesRegex(checkpoints.CheckpointError, 'missing'):
      checkpoints.verify(self.logdir)

  def test_nothing_to_restore(self):
    self.assertIsNone(self._checkpointer(_Numbers()).restore())
    self.assertEqual(checkpoints.verify(self.logdir), {})
    with open(os.path.join(self.schedule.directory('node'),
                           checkpoints.LATEST_FILE), 'w') as f:
      json.dump({'no': 'files'}, f)
    with self.assertRaisesRegex(checkpoints.CheckpointError, 'cannot be read'):
      checkpoints.verify(self.logdir)


if __name__ == '__main__':
  absltest.main()
