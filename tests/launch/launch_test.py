"""local_mp launches end cleanly and keep their ports off the network.

Each launch runs in its own session with a hard timeout; whatever of it is
still alive at the end is killed by id (tests/helpers.py) and fails the test.
"""

import os
import socket
import time

from absl.testing import absltest
import pytest

from tests import helpers

pytestmark = pytest.mark.launch

STARTED = '[actor] first environment step'
# How long a Ctrl-C'd launch may take to exit: the launcher kills nodes that
# outlive its termination notice (launch/__main__.py's
# LAUNCHER_NOTICE_SECONDS, 30 s), plus a margin. A wait of 30 s, the notice
# itself, failed once when a node used the whole notice.
STOP_WAIT_SECONDS = 45


def listening_ports(pid: int):
  """TCP ports in LISTEN state in the network namespace of process `pid`."""
  ports = set()
  for name in ('tcp', 'tcp6'):
    try:
      with open(f'/proc/{pid}/net/{name}') as f:
        lines = f.readlines()[1:]
    except OSError:
      continue
    for line in lines:
      fields = line.split()
      if fields[3] == '0A':  # TCP_LISTEN
        ports.add(int(fields[1].rsplit(':', 1)[1], 16))
  return ports


def can_connect(port: int) -> bool:
  for family, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    with socket.socket(family, socket.SOCK_STREAM) as s:
      s.settimeout(2)
      try:
        s.connect((host, port))
        return True
      except OSError:
        pass
  return False


def same_network_namespace(pid: int) -> bool:
  return os.readlink(f'/proc/{pid}/ns/net') == os.readlink('/proc/self/ns/net')


class LaunchTest(absltest.TestCase):

  def test_ctrl_c_stops_everything_within_seconds(self):
    with helpers.Launch(['--env=catch', '--max_seconds=600'], 240) as launch:
      self.assertTrue(launch.wait_for_output(STARTED, 120), launch.output())
      launch.interrupt()
      launch.wait(timeout_seconds=STOP_WAIT_SECONDS)
      self.assertEmpty(launch.leftovers(), launch.output()[-3000:])
    self.assertEmpty(launch.killed)

  def test_isolated_ports_are_unreachable_from_outside(self):
    with helpers.Launch(['--env=catch', '--max_seconds=600'], 240) as launch:
      self.assertTrue(launch.wait_for_output(STARTED, 120), launch.output())
      self.assertIn('private network namespace', launch.output())
      self.assertFalse(same_network_namespace(launch.pid))
      # Reverb + courier servers of counter, learner, variable server; the
      # learner's may come up after the actors' first step.
      deadline = time.time() + 60
      ports = listening_ports(launch.pid)
      while len(ports) < 4 and time.time() < deadline:
        time.sleep(0.5)
        ports = listening_ports(launch.pid)
      self.assertGreaterEqual(len(ports), 4, ports)
      reachable = [p for p in ports if can_connect(p)]
      self.assertEmpty(reachable, f'ports {reachable} of {ports} reachable')
      launch.interrupt()
      launch.wait(timeout_seconds=STOP_WAIT_SECONDS)
      self.assertEmpty(launch.leftovers())

  def test_opt_out_listens_in_the_host_namespace(self):
    """Negative control for the isolation test: the same check can fail."""
    with helpers.Launch(['--env=catch', '--max_seconds=600',
                         '--noisolate_network'], 240) as launch:
      self.assertTrue(launch.wait_for_output(STARTED, 120), launch.output())
      self.assertTrue(same_network_namespace(launch.pid))
      ports = set()
      for pid in helpers.session_pids(launch.pid):
        ports |= listening_ports(pid)
      self.assertTrue(any(can_connect(p) for p in ports), ports)
      launch.interrupt()
      launch.wait(timeout_seconds=STOP_WAIT_SECONDS)
      self.assertEmpty(launch.leftovers())

  def test_local_mt_ends_on_learner_step_budget(self):
    with helpers.Launch(['--env=catch', '--launch_type=local_mt',
                         '--max_learner_steps=30', '--max_seconds=300'],
                        240) as launch:
      self.assertEqual(launch.wait(), 0, launch.output()[-3000:])
      self.assertIn('budget reached (max_learner_steps=30)', launch.output())
      self.assertEmpty(launch.leftovers())


if __name__ == '__main__':
  absltest.main()
