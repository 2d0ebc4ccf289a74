"""Ape-X DPG's noise ladder and the clipped Gaussian noise."""

from absl.testing import absltest
import numpy as np

from agents.dpg import exploration


class ExplorationTest(absltest.TestCase):

  def test_the_ladder_runs_geometrically_from_the_scale_to_the_minimum(self):
    ladder = exploration.noise_ladder(4, 0.4, 0.05)
    self.assertAlmostEqual(ladder[0], 0.4)
    self.assertAlmostEqual(ladder[-1], 0.05)
    ratios = np.array(ladder[1:]) / np.array(ladder[:-1])
    np.testing.assert_allclose(ratios, ratios[0])
    self.assertEqual(exploration.noise_ladder(1, 0.3, 0.05), [0.3])
    self.assertEqual(exploration.noise_ladder(3, 0.2, 0.0), [0.2, 0.1, 0.0])

  def test_noise_has_the_scale_of_half_the_range_and_stays_in_bounds(self):
    rng = np.random.default_rng(0)
    minimum, maximum = np.array([-2.0, 0.0]), np.array([2.0, 1.0])
    actions = np.tile([[0.0, 0.5]], (20000, 1)).astype(np.float32)
    noisy = exploration.gaussian(actions, 0.1, minimum, maximum, rng)
    self.assertEqual(noisy.dtype, np.float32)
    np.testing.assert_allclose(noisy.std(0), [0.2, 0.05], rtol=0.05)
    wide = exploration.gaussian(actions, 5.0, minimum, maximum, rng)
    self.assertTrue(np.all(wide >= minimum) and np.all(wide <= maximum))
    np.testing.assert_array_equal(
        exploration.gaussian(actions, 0.0, minimum, maximum, rng), actions)


if __name__ == '__main__':
  absltest.main()
