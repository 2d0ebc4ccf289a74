"""ValueIterationConfig checks name the field and the allowed values."""

from absl.testing import absltest
from absl.testing import parameterized

from agents.value_iteration import config as config_lib


class ConfigTest(parameterized.TestCase):

  def test_defaults(self):
    config = config_lib.ValueIterationConfig()
    self.assertEqual(config.mode, 'value_iteration')
    self.assertEqual(config.grid_size ** 2, 10 ** 6)
    self.assertEqual(config.tolerance, 1e-6)

  @parameterized.named_parameters(
      ('mode', dict(mode='q_learning'),
       r"mode='q_learning'; allowed: value_iteration, policy_evaluation, "
       r'policy_iteration'),
      ('discount_one', dict(discount=1.0),
       r'discount=1.0 must lie in \[0, 1\)'),
      ('discount_zero', dict(discount=0.0), r'discount=0.0 must be > 0'),
      ('tolerance', dict(tolerance=0.0), r'tolerance=0.0 must be > 0'),
      ('iterations', dict(max_iterations=0),
       r'max_iterations=0 must be an int >= 1'),
      ('grid', dict(grid_size=1), r'grid_size=1 must be an int >= 2'),
      ('grid_float', dict(grid_size=10.0),
       r'grid_size=10.0 must be an int >= 2'),
      ('slip', dict(slip_probability=1.5),
       r'slip_probability=1.5 must lie in \[0, 1\]'),
      ('goal_reward', dict(goal_reward=0.0), r'goal_reward=0.0 must be > 0'),
      ('step_reward', dict(step_reward=0.5),
       r'step_reward=0.5 must be a number in \[-1e6, 0\] \(a cost'),
      ('step_reward_text', dict(step_reward='-1'),
       r"step_reward='-1' must be a number"),
  )
  def test_invalid_values_raise(self, kwargs, message):
    with self.assertRaisesRegex(ValueError,
                                'ValueIterationConfig.' + message):
      config_lib.ValueIterationConfig(**kwargs)


if __name__ == '__main__':
  absltest.main()
