"""The all_reduce node's `AllReduce`: one mean per round, the same for
every replica, bounded waits, and replicas asking again."""

import threading

from absl.testing import absltest
import numpy as np

from agents.common import wire
from programs.nodes import all_reduce as all_reduce_lib


class AllReduceTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self._wait = all_reduce_lib.REDUCE_WAIT_SECONDS
    all_reduce_lib.REDUCE_WAIT_SECONDS = 0.05

  def tearDown(self):
    all_reduce_lib.REDUCE_WAIT_SECONDS = self._wait
    super().tearDown()

  def test_mean_in_order_and_the_same_for_everyone(self):
    reducer = all_reduce_lib.AllReduce(3)
    posts = [[np.full((2,), i, np.float32), np.float32([i * 2.0])]
             for i in range(3)]
    answers = [None] * 3

    def post(i):
      answer = reducer.reduce(i, 0, wire.pack(posts[i]))
      while answer is None:
        answer = reducer.reduce(i, 0, None)
      answers[i] = answer
    threads = [threading.Thread(target=post, args=(i,), daemon=True)
               for i in range(3)]
    for thread in threads:
      thread.start()
    for thread in threads:
      thread.join(10)
    for answer in answers:
      self.assertIs(answer, answers[0])
    np.testing.assert_array_equal(answers[0][0], [1.0, 1.0])
    np.testing.assert_array_equal(answers[0][1], [2.0])
    self.assertEqual(answers[0][0].dtype, np.float32)
    self.assertEqual(reducer.stats(), {'rounds': 1})

  def test_a_replica_asks_again_after_the_others_moved_on(self):
    """Replica 0's wait times out; replica 1 completes the round, takes the
    mean and posts the next round before replica 0 asks again."""
    reducer = all_reduce_lib.AllReduce(2)
    self.assertIsNone(reducer.reduce(0, 0, wire.pack([np.ones(2)])))
    # The next round is refused while this one waits for replica 1.
    with self.assertRaisesRegex(ValueError, 'out of step'):
      reducer.reduce(1, 1, wire.pack([np.ones(2)]))
    mean = reducer.reduce(1, 0, wire.pack([np.zeros(2)]))
    np.testing.assert_array_equal(mean[0], [0.5, 0.5])
    self.assertIsNone(reducer.reduce(1, 1, wire.pack([np.ones(2)])))
    # Replica 0 asks again, without its gradients, and gets the same mean.
    self.assertIs(reducer.reduce(0, 0, None), mean)
    final = reducer.reduce(0, 1, wire.pack([np.ones(2)]))
    np.testing.assert_array_equal(final[0], [1.0, 1.0])
    self.assertIs(reducer.reduce(1, 1, None), final)
    self.assertEmpty(reducer._rounds)  # pylint: disable=protected-access

  def test_bad_calls_raise(self):
    reducer = all_reduce_lib.AllReduce(2)
    with self.assertRaisesRegex(ValueError, 'replica 2 of 2'):
      reducer.reduce(2, 0, wire.pack([np.ones(2)]))
    with self.assertRaisesRegex(ValueError, 'without having posted'):
      reducer.reduce(0, 0, None)


if __name__ == '__main__':
  absltest.main()
