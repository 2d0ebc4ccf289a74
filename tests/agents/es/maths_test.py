"""ES maths: centered ranks, the noise table is the same in two processes,
and the ES update points along the true gradient of a quadratic."""

import hashlib
import subprocess
import sys

from absl.testing import absltest
import numpy as np

from agents.es import maths

TABLE_SIZE, SEED = 100_000, 7


def _digest(table):
  return hashlib.sha256(table.noise.tobytes()).hexdigest()


class CenteredRanksTest(absltest.TestCase):

  def test_ranks_scaled_to_half_interval(self):
    ranks = maths.centered_ranks(np.array([[3.0, -10.0], [100.0, 0.5]]))
    np.testing.assert_allclose(ranks, [[1 / 3 - 0.5 + 1 / 3, -0.5],
                                       [0.5, 1 / 3 - 0.5]], atol=1e-6)
    self.assertAlmostEqual(float(ranks.sum()), 0.0, places=6)
    # Invariant to any increasing transform of the returns.
    x = np.random.default_rng(0).normal(size=50)
    np.testing.assert_array_equal(maths.centered_ranks(x),
                                  maths.centered_ranks(np.exp(3 * x) + 7))


class NoiseTableTest(absltest.TestCase):

  def test_identical_in_two_processes(self):
    code = ('import hashlib; from agents.es import maths; '
            f't = maths.NoiseTable({TABLE_SIZE}, {SEED}); '
            'print(hashlib.sha256(t.noise.tobytes()).hexdigest())')
    digests = {subprocess.run([sys.executable, '-c', code], check=True,
                              capture_output=True, text=True).stdout.strip()
               for _ in range(2)}
    self.assertLen(digests, 1)
    self.assertEqual(digests.pop(),
                     _digest(maths.NoiseTable(TABLE_SIZE, SEED)))
    self.assertNotEqual(_digest(maths.NoiseTable(TABLE_SIZE, SEED + 1)),
                        _digest(maths.NoiseTable(TABLE_SIZE, SEED)))
    table = maths.NoiseTable(TABLE_SIZE, SEED)
    self.assertAlmostEqual(float(table.noise.std()), 1.0, places=2)


class GradientTest(absltest.TestCase):

  def test_points_along_the_true_gradient_of_a_quadratic(self):
    dim, pairs, sigma = 20, 2000, 0.02
    rng = np.random.default_rng(1)
    optimum = rng.normal(size=dim).astype(np.float32)
    theta = np.zeros(dim, np.float32)
    objective = lambda x: -np.sum((x - optimum) ** 2)
    table = maths.NoiseTable(TABLE_SIZE, SEED)
    indices = table.sample_indices(rng, dim, pairs)
    returns = np.array([[objective(theta + sigma * table.get(i, dim)),
                         objective(theta - sigma * table.get(i, dim))]
                        for i in indices])
    estimate = maths.es_gradient(table, indices, returns, dim)
    true = -2 * (theta - optimum)
    cosine = estimate @ true / (np.linalg.norm(estimate) *
                                np.linalg.norm(true))
    print(f'cosine(ES estimate, true gradient) = {cosine:.3f}')
    self.assertGreater(cosine, 0.9)
    # And with few samples it is noisier (the check above has power).
    few = maths.es_gradient(table, indices[:4], returns[:4], dim)
    self.assertLess(few @ true / (np.linalg.norm(few) * np.linalg.norm(true)),
                    cosine)


if __name__ == '__main__':
  absltest.main()
