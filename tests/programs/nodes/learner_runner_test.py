"""The learner node at the stop: its final checkpoint never waits for a call
to a node that is gone (the replay of another host that stopped first),
whether that call hangs or fails; any other error still fails the node."""

import os
import shutil
import tempfile
import threading
import time
from unittest import mock

from absl.testing import absltest
import launchpad as lp
import numpy as np
import reverb
import tensorflow as tf

from programs.nodes import checkpoints
from programs.nodes import learner_runner


def _stopped_replay():
  """A Reverb client whose server held one item and has stopped. Its first
  priority write fails ('Socket closed'); later ones wait for the server
  forever (gRPC waits for a channel to be ready)."""
  server = reverb.Server([reverb.Table(
      'table', reverb.selectors.Prioritized(0.6), reverb.selectors.Fifo(),
      max_size=10, rate_limiter=reverb.rate_limiters.MinSize(1))])
  client = reverb.Client(f'localhost:{server.port}')
  client.insert([np.zeros(2, np.float32)], {'table': 1.0})
  key = next(iter(client.sample('table', num_samples=1)))[0].info.key
  server.stop()
  return client, int(key)


class _Learner:
  """The runner's learner protocol over a variable; each report writes a
  priority to `client`, as Ape-X's learner does, or raises `error`."""

  def __init__(self, client=None, key=0, error=None):
    self._steps = tf.Variable(0, dtype=tf.int64)
    self._client = client
    self._key = key
    self._error = error
    self.reports = 0

  @property
  def state(self):
    return {'steps': self._steps}

  @property
  def num_steps(self):
    return int(self._steps.numpy())

  def get_variables(self, names):
    return [[] for _ in names]

  def next_batch(self):
    time.sleep(0.01)
    return None

  def update(self, batch):
    del batch
    self._steps.assign_add(1)
    return self.num_steps

  def report(self, outcome):
    del outcome
    self.reports += 1
    if self._error is not None:
      raise self._error
    if self._client is not None:
      self._client.mutate_priorities('table', updates={self._key: 0.5})


class LearnerRunnerStopTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self._logdir = tempfile.mkdtemp(prefix='learner_runner_test_')
    self.addCleanup(shutil.rmtree, self._logdir, ignore_errors=True)
    self._stop = threading.Event()
    for name, value in (('stop_event', lambda: self._stop),
                        ('stop', self._stop.set)):
      patcher = mock.patch.object(lp, name, value)
      patcher.start()
      self.addCleanup(patcher.stop)

  def _run(self, learner, stop_after_reports, restore_only=False):
    """Runs the node until `learner` has reported that many times, then
    stops the program; returns what run() raised (None) and the seconds it
    took after the stop."""
    runner = learner_runner.LearnerRunner(
        lambda: learner,
        checkpoint=checkpoints.schedule(self._logdir, period_seconds=3600),
        restore_only=restore_only)
    outcome = {}

    def run():
      try:
        runner.run()
      except Exception as e:  # pylint: disable=broad-except
        outcome['error'] = e
      outcome['ended'] = time.monotonic()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while learner.reports < stop_after_reports and time.monotonic() < deadline:
      if 'ended' in outcome:
        break
      time.sleep(0.01)
    stopped = time.monotonic()
    self._stop.set()
    thread.join(30)
    self.assertFalse(thread.is_alive(), 'run() did not end after the stop')
    return outcome.get('error'), outcome['ended'] - stopped

  def _saved_steps(self):
    info = checkpoints.latest(os.path.join(self._logdir, 'checkpoints',
                                           'learner'))
    return None if info is None else info['learner_steps']

  def test_a_call_that_hangs_at_the_stop_does_not_keep_the_final_save(self):
    client, key = _stopped_replay()
    learner = _Learner(client, key)
    # The first write fails and is forgiven once the stop comes; to reach a
    # write that hangs, the first one is made here.
    with self.assertRaisesRegex(RuntimeError, 'Socket closed'):
      client.mutate_priorities('table', updates={key: 0.5})
    error, seconds = self._run(learner, stop_after_reports=1)
    self.assertIsNone(error)
    self.assertEqual(self._saved_steps(), learner.num_steps)
    self.assertGreaterEqual(learner.num_steps, 1)
    self.assertLess(seconds, learner_runner.FINAL_SAVE_WAIT_SECONDS)

  def test_a_peer_gone_just_before_the_stop_is_a_clean_end(self):
    client, key = _stopped_replay()
    learner = _Learner(client, key)  # Its first write: 'Socket closed'.
    error, _ = self._run(learner, stop_after_reports=1)
    self.assertIsNone(error)
    self.assertEqual(self._saved_steps(), 1)

  def test_any_other_error_fails_the_learner_without_a_final_save(self):
    learner = _Learner(error=ValueError('a bug in the loss'))
    with mock.patch.object(learner_runner.lifecycle, 'report_failure'):
      error, _ = self._run(learner, stop_after_reports=10)
    self.assertIsInstance(error, RuntimeError)
    self.assertIsInstance(error.__cause__, ValueError)
    self.assertIsNone(self._saved_steps())

  def test_a_replica_restores_the_first_ones_saves_and_saves_none(self):
    first = _Learner()
    self.assertIsNone(self._run(first, stop_after_reports=3)[0])
    saved = self._saved_steps()
    self.assertEqual(saved, first.num_steps)
    self._stop.clear()
    replica = _Learner()
    self.assertIsNone(self._run(replica, stop_after_reports=saved + 3,
                                restore_only=True)[0])
    self.assertGreater(replica.num_steps, saved)  # It resumed from the save,
    self.assertEqual(replica.reports, replica.num_steps - saved)
    self.assertEqual(self._saved_steps(), saved)  # and saved nothing.


if __name__ == '__main__':
  absltest.main()
