"""Budgets and the evaluators' stop rule (a mean of TARGET_ROUNDS)."""

from absl.testing import absltest

from programs.nodes import budget as budget_lib


class TargetWatchTest(absltest.TestCase):

  def test_stops_once_the_mean_of_the_last_rounds_reaches_the_target(self):
    stops = []
    watch = budget_lib.TargetWatch(
        budget_lib.Budget(max_seconds=60, target_return=0.0), 0.0,
        lambda: stops.append(1))
    # One lucky round is not enough; a mean of 3 rounds >= 0 is.
    # Means: -0.17 after 0.5, then (0 + 0.5 + 0) / 3 >= 0.
    for value, stopped in ((-1.0, False), (0.0, False), (0.5, False),
                           (0.0, True)):
      self.assertEqual(watch.add(value), stopped, value)
    self.assertLen(stops, 1)
    self.assertEqual(budget_lib.TARGET_ROUNDS, 3)

  def test_without_a_target_it_never_stops(self):
    watch = budget_lib.TargetWatch(budget_lib.Budget(max_seconds=60), 0.0,
                                   self.fail)
    for _ in range(5):
      self.assertFalse(watch.add(1e9))

  def test_a_budget_needs_a_limit(self):
    with self.assertRaisesRegex(ValueError, 'at least one of max_seconds'):
      budget_lib.Budget(target_return=1.0)


if __name__ == '__main__':
  absltest.main()
