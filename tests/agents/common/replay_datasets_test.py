"""The learners' dataset: batches from a live Reverb table, and a wait for
a server that does not answer that the caller can end."""

import time

from absl.testing import absltest
import numpy as np
import reverb
import tensorflow as tf

from agents.common import replay_datasets

TABLE = 'replay'


class MakeDatasetTest(absltest.TestCase):

  def test_batches_of_the_tables_items(self):
    signature = {'x': tf.TensorSpec([3], tf.float32)}
    server = reverb.Server([reverb.Table(
        TABLE, sampler=reverb.selectors.Uniform(),
        remover=reverb.selectors.Fifo(), max_size=100,
        rate_limiter=reverb.rate_limiters.MinSize(1), signature=signature)])
    self.addCleanup(server.stop)
    client = reverb.Client(f'localhost:{server.port}')
    with client.trajectory_writer(num_keep_alive_refs=1) as writer:
      for i in range(10):
        writer.append({'x': np.full(3, i, np.float32)})
        writer.create_item(TABLE, 1.0, {'x': writer.history['x'][-1]})
    dataset = replay_datasets.make_dataset(client.server_address, TABLE, 4)
    sample = next(iter(dataset))
    self.assertEqual(sample.data['x'].shape, (4, 3))
    self.assertEqual(sample.info.key.shape, (4,))
    values = set(sample.data['x'].numpy()[:, 0].tolist())
    self.assertTrue(values <= set(range(10)), values)

  def test_a_silent_server_is_asked_again_until_on_wait_gives_up(self):
    server = reverb.Server([reverb.Table.queue(TABLE, 10)])
    address = f'localhost:{server.port}'
    server.stop()  # Nothing answers at that port now.
    calls = []

    def on_wait():
      calls.append(time.monotonic())
      if len(calls) == 2:
        raise RuntimeError('stopping')

    start = time.monotonic()
    with self.assertRaisesRegex(RuntimeError, 'stopping'):
      replay_datasets.make_dataset(address, TABLE, 4, on_wait=on_wait)
    self.assertLen(calls, 2)
    self.assertLess(time.monotonic() - start,
                    10 * replay_datasets.SIGNATURE_POLL_SECONDS)


if __name__ == '__main__':
  absltest.main()
