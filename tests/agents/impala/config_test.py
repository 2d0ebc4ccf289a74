"""IMPALAConfig checks name the field and the allowed values."""

from absl.testing import absltest
from absl.testing import parameterized

from agents.impala import config as config_lib


class ConfigTest(parameterized.TestCase):

  def test_defaults_are_valid_and_paper_like(self):
    config = config_lib.IMPALAConfig()
    self.assertEqual(config.unroll_length, 20)
    self.assertEqual(config.batch_size, 32)
    self.assertEqual(config.baseline_cost, 0.5)
    self.assertEqual(config.entropy_cost, 0.01)
    self.assertEqual(config.clip_rho_threshold, 1.0)
    self.assertEqual(config.discount, 0.99)

  @parameterized.named_parameters(
      ('queue_deadlock', dict(batch_size=32, queue_size=33),
       r'queue_size=33 must exceed batch_size \+ 1 \(33\)'),
      ('optimizer', dict(optimizer='sgd'), r"optimizer='sgd'; allowed: adam"),
      ('torso', dict(torso='resnet'), r"torso='resnet'; allowed: auto, mlp"),
      ('discount', dict(discount=1.5), r'discount=1.5 must lie in \[0, 1\]'),
      ('unroll', dict(unroll_length=0), r'unroll_length=0 must be an int'),
      ('lstm', dict(lstm_size=-1), r'lstm_size=-1 must be >= 0'),
      ('learning_rate', dict(learning_rate=0.0), r'learning_rate=0.0 must'),
      ('entropy', dict(entropy_cost=-1.0), r'entropy_cost=-1.0 must be >= 0'),
  )
  def test_invalid_values_raise(self, kwargs, message):
    with self.assertRaisesRegex(ValueError, 'IMPALAConfig.' + message):
      config_lib.IMPALAConfig(**kwargs)


if __name__ == '__main__':
  absltest.main()
