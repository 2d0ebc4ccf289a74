"""How the launchers of a multi_host launch agree (launch/coordinator.py).

The chief's Coordinator runs without a server here: each Member calls the
chief's service object directly, as a Courier client calls it across hosts
(tests/launch/multi_host_launch_test.py covers the real wire).
"""

import os
import tempfile
import threading
import time
from unittest import mock

from absl.testing import absltest

from launch import coordinator

ADDRESSES = {'a': '10.0.0.1', 'b': '10.0.0.2', 'c': '10.0.0.3'}


def _chief(members=('b',), heartbeat_timeout=30.0):
  return coordinator.Coordinator('a', list(members), None, 'same',
                                 heartbeat_timeout, ADDRESSES)


def _member(chief, host='b', heartbeat_timeout=30.0):
  return coordinator.Member(host, 'a', '10.0.0.1:23000', heartbeat_timeout,
                            client=chief.service)


class _Unreachable:
  """A client whose every call fails, as one to a dead chief does."""

  def __getattr__(self, name):
    def call(*args, **kwargs):
      raise ConnectionError('unreachable')
    return call


def _joined(chief, *members):
  """Joins every member in threads; starts the run; returns the answers."""
  answers = {}
  threads = [threading.Thread(target=lambda m=m: answers.update(
      {m.host: m.join('same', 5)})) for m in members]
  for thread in threads:
    thread.start()
  chief.wait_for_members(5, '10.0.0.1:23000')
  chief.start(1234.5, False)
  for thread in threads:
    thread.join()
  return answers


class CoordinatorTest(absltest.TestCase):

  def test_members_start_together_with_the_chiefs_clock(self):
    chief = _chief(('b', 'c'))
    b, c = _member(chief, 'b'), _member(chief, 'c')
    answers = _joined(chief, b, c)
    self.assertEqual(answers['b']['start_time'], 1234.5)
    self.assertEqual(answers['c'], answers['b'])
    self.assertFalse(answers['b']['resume'])

  def test_join_refuses_another_config_or_host(self):
    chief = _chief()
    with self.assertRaisesRegex(coordinator.ClusterError,
                                "launched another program or config"):
      _member(chief).join('different', 5)
    with self.assertRaisesRegex(coordinator.ClusterError,
                                "'x' runs no node of this program"):
      _member(chief, 'x').join('same', 5)

  def test_missing_members_are_named_past_the_timeout(self):
    chief = _chief(('b', 'c'))
    with mock.patch.object(coordinator, 'CALL_TIMEOUT_SECONDS', 0.01):
      with self.assertRaisesRegex(coordinator.ClusterError,
                                  r'host\(s\) b \(10.0.0.2\), c \(10.0.0.3\) '
                                  'did not join within 0 s'):
        chief.wait_for_members(0.05, '10.0.0.1:23000')
    # A member that joins later is told why.
    with self.assertRaisesRegex(coordinator.ClusterError, 'did not join'):
      _member(chief, 'b').join('same', 5)

  def test_member_gives_up_on_an_unreachable_chief(self):
    member = coordinator.Member('b', 'a', '10.0.0.1:23000', 30,
                                client=_Unreachable())
    with self.assertRaisesRegex(coordinator.ClusterError,
                                'could not reach the chief a at '
                                '10.0.0.1:23000 within 0 s'):
      member.join('same', 0.01)

  def test_the_chiefs_stop_reaches_members_before_its_own_nodes(self):
    chief = _chief()
    member = _member(chief)
    _joined(chief, member)
    self.assertIsNone(chief.poll(False, ''))
    self.assertIsNone(member.poll(False, ''))
    # The budget stops the chief's counter: the chief waits for b to see it.
    self.assertIsNone(chief.poll(True, ''))
    self.assertEqual(member.poll(False, ''), {'by': 'a', 'failure': ''})
    self.assertEqual(chief.poll(True, ''), {'by': 'a', 'failure': ''})

  def test_a_members_failure_stops_everyone_and_fails_every_host(self):
    chief = _chief()
    member = _member(chief)
    _joined(chief, member)
    failure = 'actor/1 (_ActorNode) failed:\nValueError: boom\n'
    order = member.poll(True, failure)
    self.assertEqual(order, {'by': 'b', 'failure': failure})
    self.assertEqual(chief.poll(False, ''), order)
    verdicts = {}
    thread = threading.Thread(
        target=lambda: verdicts.update(a=chief.finish('')))
    thread.start()
    verdicts['b'] = member.finish(failure)
    thread.join(10)
    self.assertEqual(verdicts['a'], verdicts['b'])
    self.assertIn('b: actor/1 (_ActorNode) failed:', verdicts['a'])

  def test_a_clean_stop_has_an_empty_verdict(self):
    chief = _chief()
    member = _member(chief)
    _joined(chief, member)
    member.poll(False, '')
    chief.poll(True, '')
    verdicts = {}
    thread = threading.Thread(
        target=lambda: verdicts.update(a=chief.finish('')))
    thread.start()
    verdicts['b'] = member.finish('')
    thread.join(10)
    self.assertEqual(verdicts, {'a': '', 'b': ''})

  def test_a_silent_member_is_lost(self):
    chief = _chief(heartbeat_timeout=0.2)
    _joined(chief, _member(chief))
    self.assertIsNone(chief.poll(False, ''))  # Within its start grace.
    time.sleep(0.5)  # Past the grace (one timeout) and the timeout.
    order = chief.poll(False, '')
    self.assertEqual(order['by'], 'b')
    self.assertIn('lost host b (10.0.0.2): no word from its launcher',
                  order['failure'])
    self.assertIn('lost host b', chief.finish(''))

  def test_a_member_that_loses_the_chief_stops_with_a_failure(self):
    member = coordinator.Member('b', 'a', '10.0.0.1:23000', 0.2,
                                client=_Unreachable())
    self.assertIsNone(member.poll(False, ''))
    time.sleep(0.3)
    order = member.poll(False, '')
    self.assertIn('lost the chief a at 10.0.0.1:23000: no answer for 0 s',
                  order['failure'])
    self.assertIn('lost the chief a', member.finish(''))

  def test_fingerprint_ignores_only_the_logdir(self):
    base = {'program': 'impala', 'logdir': '/a', 'hparams': {'seed': 1}}
    self.assertEqual(coordinator.fingerprint(base),
                     coordinator.fingerprint({**base, 'logdir': '/b'}))
    self.assertNotEqual(coordinator.fingerprint(base), coordinator.fingerprint(
        {**base, 'hparams': {'seed': 2}}))


class WatcherTest(absltest.TestCase):

  def test_a_node_stop_is_reported_with_the_failures_and_obeyed(self):
    chief = _chief(())
    chief.start(0.0, False)
    with tempfile.NamedTemporaryFile('w', delete=False) as f:
      f.write('learner/0 (_LearnerNode) failed:\nboom\n')
    stopped = threading.Event()
    watcher = coordinator.Watcher(chief, f.name, stop_local=stopped.set)
    watcher.start()
    try:
      self.assertFalse(stopped.wait(0.6))
      watcher.on_node_stop(None, None)  # A node's lp.stop() (SIGUSR2).
      self.assertTrue(stopped.wait(5))
      self.assertEqual(watcher.order['by'], 'a')
      self.assertIn('learner/0 (_LearnerNode) failed', watcher.order['failure'])
    finally:
      watcher.join()
      os.unlink(f.name)
    self.assertIn('boom', chief.finish(''))


if __name__ == '__main__':
  absltest.main()
