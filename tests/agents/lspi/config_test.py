"""LSPIConfig checks name the field and the allowed values."""

from absl.testing import absltest
from absl.testing import parameterized

from agents.lspi import config as config_lib


class ConfigTest(parameterized.TestCase):

  def test_defaults_are_the_papers(self):
    config = config_lib.LSPIConfig()
    self.assertEqual(config.discount, 0.9)  # Chain walk.
    self.assertEqual(config.max_iterations, 20)
    self.assertEqual(config.weight_tolerance, 1e-5)
    self.assertEqual(config.regularisation, 1e-6)

  @parameterized.named_parameters(
      ('samples', dict(num_samples=0), r'num_samples=0 must be an int >= 1'),
      ('iterations', dict(max_iterations=2.5),
       r'max_iterations=2.5 must be an int >= 1'),
      ('discount', dict(discount=1.0), r'discount=1.0 must lie in \[0, 1\)'),
      ('ridge', dict(regularisation=-1e-6),
       r'regularisation=-1e-06 must be >= 0'),
      ('tolerance', dict(weight_tolerance=0.0),
       r'weight_tolerance=0.0 must be > 0'),
      ('seed', dict(seed=-1), r'seed=-1 must be an int >= 0'),
  )
  def test_invalid_values_raise(self, kwargs, message):
    with self.assertRaisesRegex(ValueError, 'LSPIConfig.' + message):
      config_lib.LSPIConfig(**kwargs)


if __name__ == '__main__':
  absltest.main()
