"""The stoppable client over a real Courier server: answers, gives up at
the stop, and keeps its client alive for as long as a method is held."""

from concurrent import futures
import gc
import threading
import time

from absl.testing import absltest
from courier.python import client as courier_client
from courier.python import py_server
import portpicker

from programs.nodes import lifecycle


class Service:

  def __init__(self):
    self.release = threading.Event()

  def add(self, a, b):
    return a + b

  def slow(self):
    self.release.wait(20)
    return 'late'

  def stopping(self):
    raise lifecycle.Stopped('stopping')


class StoppableClientTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.service = Service()
    self.server = py_server.Server()
    for method in ('add', 'slow', 'stopping'):
      self.server.Bind(method, getattr(self.service, method))
    self.server.Start()
    self.addCleanup(self.server.Stop)
    self.addCleanup(self.service.release.set)

  def _client(self, should_stop):
    return lifecycle.StoppableClient(
        courier_client.Client(self.server.address, call_timeout=30),
        should_stop)

  def test_calls_and_futures_answer(self):
    client = self._client(lambda: False)
    self.assertEqual(client.add(2, 3), 5)
    self.assertEqual(client.futures.add(1, 1).result(), 2)

  def test_a_held_method_keeps_the_client(self):
    # A courier Client shuts its channel down when collected; a call made
    # after that aborted the whole process (seen in test_mt smoke runs).
    get = self._client(lambda: False).add
    gc.collect()
    self.assertEqual(get(4, 5), 9)

  def test_a_call_in_flight_gives_up_at_the_stop(self):
    stop = threading.Event()
    client = self._client(stop.is_set)
    threading.Timer(0.3, stop.set).start()
    started = time.time()
    with self.assertRaises(lifecycle.Stopped):
      client.slow()
    self.assertLess(time.time() - started, 10)  # Not the 20 s handler.
    # The abandoned call is still in flight on the server: let it end before
    # the client can be collected (a Courier client collected with a call in
    # flight aborts the process; seen under Bazel's pytest at the next gc).
    self.service.release.set()
    time.sleep(0.5)
    del client

  def test_a_peer_that_gave_up_at_its_stop_is_this_nodes_stop(self):
    # Hosts of a multi_host run stop seconds apart: an actor's call to the
    # variable server on a host that already stopped comes back as the
    # server's Stopped (CI, stop 22), before this host's stop arrives.
    stop = threading.Event()
    client = self._client(stop.is_set)
    with self.assertRaises(Exception) as raised:
      client.stopping()
    self.assertNotIsInstance(raised.exception, lifecycle.Stopped)
    threading.Timer(0.3, stop.set).start()
    self.assertTrue(lifecycle.stop_follows(raised.exception, stop, grace=10))
    # Without a stop here it stays a failure.
    self.assertFalse(lifecycle.stop_follows(raised.exception,
                                            threading.Event(), grace=0.2))

  def test_an_unanswered_call_names_the_nodes_address(self):
    # Courier's error for a call nobody answered, from a stand-in client: a
    # real Courier client to a closed port aborted the test process now and
    # then (gRPC, at collection).
    class Futures:

      def add(self, a, b):
        del a, b
        future = futures.Future()
        future.set_exception(RuntimeError('Deadline Exceeded'))
        return future

    class Client:
      _address = '10.0.0.7:23004'
      futures = Futures()

    client = lifecycle.StoppableClient(Client(), lambda: False)
    with self.assertRaisesRegex(lifecycle.PeerUnreachable,
                                r'add\(\) to the node at 10.0.0.7:23004 got '
                                r'no answer \(Deadline Exceeded\)'):
      client.add(1, 2)

  def test_guarded_treats_stopped_as_a_clean_end(self):
    failures = []

    class Node:

      @lifecycle.guarded
      def run(self):
        raise lifecycle.Stopped('slow')

    original = lifecycle.report_failure
    lifecycle.report_failure = failures.append
    try:
      Node().run()
    finally:
      lifecycle.report_failure = original
    self.assertEmpty(failures)


class WaitUntilListeningTest(absltest.TestCase):
  """A first call waits for its server's port, not for gRPC's retry."""

  def test_returns_once_a_server_that_starts_later_listens(self):
    port = portpicker.pick_unused_port()
    client = lifecycle.StoppableClient(
        courier_client.Client(f'localhost:{port}', call_timeout=30),
        lambda: False)
    starting = threading.Event()
    server = py_server.Server(port=port)
    server.Bind('add', lambda a, b: a + b)

    def start():
      starting.set()  # Before the port can open.
      server.Start()
    threading.Timer(0.3, start).start()
    self.addCleanup(server.Stop)
    self.assertTrue(client.wait_until_listening(timeout_seconds=30))
    self.assertTrue(starting.is_set())  # Not before the server started.
    self.assertEqual(client.add(2, 3), 5)

  def test_gives_up_at_the_stop_and_on_an_unreadable_address(self):
    stop = threading.Event()
    client = lifecycle.StoppableClient(
        courier_client.Client(f'localhost:{portpicker.pick_unused_port()}'),
        stop.is_set)
    threading.Timer(0.3, stop.set).start()
    started = time.time()
    self.assertFalse(client.wait_until_listening(timeout_seconds=30))
    self.assertLess(time.time() - started, 10)  # The stop, not the timeout.

    class Client:
      _address = 'no port here'
    self.assertFalse(lifecycle.StoppableClient(
        Client(), lambda: False).wait_until_listening())

  def test_gives_up_at_the_timeout(self):
    client = lifecycle.StoppableClient(
        courier_client.Client(f'localhost:{portpicker.pick_unused_port()}'),
        lambda: False)
    self.assertFalse(client.wait_until_listening(timeout_seconds=0.2))


class StopFollowsTest(absltest.TestCase):
  """A peer gone just before this node's stop is the stop, not a failure."""

  def test_a_lost_peer_followed_by_the_stop_is_the_stop(self):
    stop = threading.Event()
    threading.Timer(0.3, stop.set).start()
    started = time.monotonic()
    self.assertTrue(lifecycle.stop_follows(RuntimeError('Socket closed'),
                                           stop, grace=10))
    self.assertLess(time.monotonic() - started, 5)

  def test_a_lost_peer_without_a_stop_is_a_failure_after_the_grace(self):
    stop = threading.Event()
    error = lifecycle.PeerUnreachable('add() to the node at 10.0.0.7:1')
    started = time.monotonic()
    self.assertFalse(lifecycle.stop_follows(error, stop, grace=0.5))
    self.assertGreaterEqual(time.monotonic() - started, 0.5)

  def test_other_errors_are_failures_even_at_the_stop(self):
    stop = threading.Event()
    stop.set()
    self.assertFalse(lifecycle.stop_follows(ValueError('a bug'), stop))
    self.assertFalse(lifecycle.stop_follows(RuntimeError('Socket closed'),
                                            None))


if __name__ == '__main__':
  absltest.main()
