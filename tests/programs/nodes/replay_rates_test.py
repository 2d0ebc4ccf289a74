"""A Reverb table's rates for the learners' logs, on a live server."""

from absl.testing import absltest
import numpy as np
import reverb

from programs.nodes import replay_rates


class TableRatesTest(absltest.TestCase):

  def setUp(self):
    super().setUp()
    self.server = reverb.Server([reverb.Table.queue('queue', 100)])
    self.client = reverb.Client(f'localhost:{self.server.port}')

  def tearDown(self):
    self.server.stop()
    super().tearDown()

  def test_size_and_rates(self):
    rates = replay_rates.TableRates(self.client, 'queue')
    self.assertEqual(rates()['replay_size'], 0.0)
    for _ in range(3):
      self.client.insert(np.zeros(2, np.float32), {'queue': 1.0})
    values = rates()
    self.assertEqual(values['replay_size'], 3.0)
    self.assertEqual(values['replay_inserts'], 3.0)
    self.assertGreater(values['replay_inserts_per_s'], 0.0)

  def test_a_wrong_table_name_is_an_error(self):
    rates = replay_rates.TableRates(self.client, 'replay')
    with self.assertRaisesRegex(KeyError, "no table 'replay'.*queue"):
      rates()

  def test_a_stopped_server_gives_an_empty_row(self):
    rates = replay_rates.TableRates(self.client, 'queue')
    self.server.stop()
    self.assertEqual(rates(), {})


if __name__ == '__main__':
  absltest.main()
