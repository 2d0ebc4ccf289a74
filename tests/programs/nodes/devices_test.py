"""A learner's device choice (programs/nodes/devices.py), on fake device
lists: these machines have no GPU."""

from absl.testing import absltest
from absl.testing import parameterized

from programs.nodes import devices


class DevicesTest(parameterized.TestCase):

  @parameterized.named_parameters(
      ('cpu_only', ['/device:CPU:0'], '/CPU:0'),
      ('one_gpu', ['/device:CPU:0', '/device:GPU:0'], '/GPU:0'),
      ('two_gpus', ['/device:CPU:0', '/device:GPU:1', '/device:GPU:0'],
       '/GPU:0'),
      ('physical_names', ['/physical_device:CPU:0',
                          '/physical_device:GPU:0'], '/GPU:0'),
      ('xla_gpu_is_not_a_gpu', ['/device:CPU:0', '/device:XLA_GPU:0'],
       '/CPU:0'),
      ('nothing', [], '/CPU:0'))
  def test_choose(self, names, device):
    self.assertEqual(devices.choose(names), device)

  def test_learner_device_follows_what_tensorflow_sees(self):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    gpus = tf.config.list_logical_devices('GPU')
    self.assertEqual(devices.learner_device(), '/GPU:0' if gpus else '/CPU:0')

  @parameterized.named_parameters(
      ('learner', 'learner', {}, {}),
      ('actor', 'actor', {}, {'CUDA_VISIBLE_DEVICES': ''}),
      ('colocated_learner', 'replay+learner', {}, {}),
      ('colocated_actors', 'actor+evaluator', {'A': '1'},
       {'A': '1', 'CUDA_VISIBLE_DEVICES': ''}),
      ('config_wins', 'actor', {'CUDA_VISIBLE_DEVICES': '1'},
       {'CUDA_VISIBLE_DEVICES': '1'}))
  def test_node_env(self, label, env, expected):
    self.assertEqual(devices.node_env(label, env), expected)


if __name__ == '__main__':
  absltest.main()
