"""Even splits of a range into contiguous parts."""

from absl.testing import absltest
from absl.testing import parameterized

from agents.common import splits


class EvenRangesTest(parameterized.TestCase):

  @parameterized.parameters((10, 1), (10, 3), (10, 10), (7, 4), (1, 1))
  def test_parts_cover_the_range_in_order_and_differ_by_at_most_one(
      self, total, parts):
    ranges = splits.even_ranges(total, parts)
    self.assertLen(ranges, parts)
    self.assertEqual(ranges[0][0], 0)
    self.assertEqual(ranges[-1][1], total)
    for (_, stop), (start, _) in zip(ranges, ranges[1:]):
      self.assertEqual(stop, start)
    sizes = [stop - start for start, stop in ranges]
    self.assertGreaterEqual(min(sizes), 1)
    self.assertLessEqual(max(sizes) - min(sizes), 1)
    self.assertEqual(sizes, sorted(sizes, reverse=True))

  def test_empty_parts_are_refused_naming_what_they_are(self):
    with self.assertRaisesRegex(ValueError, '4 shards must be between 1 and 3'):
      splits.even_ranges(3, 4, 'shards')
    with self.assertRaisesRegex(ValueError, '0 row blocks'):
      splits.even_ranges(3, 0, 'row blocks')


if __name__ == '__main__':
  absltest.main()
