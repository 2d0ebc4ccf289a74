"""Importance weights (Schaul et al. 2016) and R2D2's sequence priorities."""

from absl.testing import absltest
import numpy as np

from agents.common import priorities


class ImportanceWeightsTest(absltest.TestCase):

  def test_normalised_by_max(self):
    probability = np.array([0.1, 0.01, 0.5, 0.001])
    weights = priorities.importance_weights(probability, np.full(4, 1000), 0.4)
    expected = (1000 * probability) ** -0.4
    np.testing.assert_allclose(weights, expected / expected.max(), rtol=1e-5)
    self.assertAlmostEqual(float(weights[3]), 1.0, places=6)


class SequencePriorityTest(absltest.TestCase):

  def test_mixes_max_and_mean_per_sequence(self):
    rng = np.random.default_rng(1)
    abs_td = np.abs(rng.normal(size=(7, 3))).astype(np.float32)  # [T, B]
    for eta in (0.0, 0.9, 1.0):
      expected = [eta * abs_td[:, b].max() + (1 - eta) * abs_td[:, b].mean()
                  for b in range(3)]
      np.testing.assert_allclose(
          priorities.sequence_priority(abs_td, eta), expected, rtol=1e-6)

  def test_one_large_error_dominates_with_eta_09(self):
    abs_td = np.full((80, 1), 0.01, np.float32)
    abs_td[40] = 5.0
    priority = float(priorities.sequence_priority(abs_td, 0.9)[0])
    self.assertGreater(priority, 4.5)  # The mean alone would give ~0.07.


if __name__ == '__main__':
  absltest.main()
