"""DPG configs: validation names the field; the replay ratio sets the
table's samples per insert; DPG-R's task switches become environment
options only when on."""

from absl.testing import absltest
from absl.testing import parameterized

from agents.dpg import config as config_lib


class ConfigTest(parameterized.TestCase):

  @parameterized.parameters(
      (config_lib.DPGConfig, dict(target_update='soft'), 'target_update'),
      (config_lib.DPGConfig, dict(polyak_tau=1.5), 'polyak_tau'),
      (config_lib.DPGConfig, dict(replay_ratio=-1), 'replay_ratio'),
      (config_lib.DPGConfig, dict(distributional=True, v_min=1, v_max=0),
       'v_min < v_max'),
      (config_lib.DPGConfig, dict(min_replay_size=10), 'batch_size'),
      (config_lib.ApexDPGConfig, dict(noise_scale_min=0.5),
       'noise_scale_min'),
      (config_lib.ApexDPGConfig, dict(prioritized=False), 'prioritized'),
      (config_lib.DPGRConfig, dict(replay_sharing='all'), 'replay_sharing'),
      (config_lib.DPGRConfig, dict(instructive_start_probability=2),
       'instructive_start_probability'),
  )
  def test_bad_values_are_refused_by_name(self, cls, overrides, words):
    with self.assertRaisesRegex(ValueError, words):
      cls(**overrides)

  def test_replay_ratio_is_samples_per_insert_over_batch(self):
    self.assertEqual(config_lib.DPGRConfig(replay_ratio=4,
                                           batch_size=64).samples_per_insert,
                     256)
    self.assertEqual(config_lib.DPGConfig(replay_ratio=0).samples_per_insert,
                     0)

  def test_task_switches_are_environment_options_when_on(self):
    self.assertEqual(config_lib.DPGRConfig().environment_options, {})
    self.assertEqual(
        config_lib.DPGRConfig(shaped_reward=True,
                              instructive_start_probability=0.25
                              ).environment_options,
        {'shaped_reward': True, 'instructive_start_probability': 0.25})


if __name__ == '__main__':
  absltest.main()
