"""A learner's device choice (programs/nodes/devices.py), on fake device
lists: these machines have no GPU."""

from absl.testing import absltest
from absl.testing import parameterized

from programs.nodes import devices


class _Device:

  def __init__(self, name: str):
    self.name = name


class _FakeConfig:
  """tf.config's device calls on a machine with `gpus` GPUs."""

  def __init__(self, gpus: int, initialised: bool = False):
    self._gpus = [_Device(f'/physical_device:GPU:{i}') for i in range(gpus)]
    self._visible = list(self._gpus)
    self._initialised = initialised
    self.claimed = None

  def list_physical_devices(self, kind):
    assert kind == 'GPU'
    return list(self._gpus)

  def set_visible_devices(self, chosen, kind):
    assert kind == 'GPU'
    if self._initialised:
      raise RuntimeError('Visible devices cannot be modified after being '
                         'initialized')
    self._visible = list(chosen)
    self.claimed = self._gpus.index(chosen[0])

  def list_logical_devices(self):
    return [_Device('/device:CPU:0')] + [
        _Device(f'/device:GPU:{i}') for i in range(len(self._visible))]


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
      ('no_gpu', 0, 0, None, '/CPU:0'),
      ('one_gpu', 0, 1, None, '/GPU:0'),
      ('one_gpu_second_replica', 1, 1, None, '/GPU:0'),
      ('two_gpus_first_replica', 0, 2, 0, '/GPU:0'),
      ('two_gpus_second_replica', 1, 2, 1, '/GPU:0'),
      ('two_gpus_third_replica', 2, 2, 0, '/GPU:0'))
  def test_replicas_take_one_gpu_each(self, replica, gpus, claimed, device):
    config = _FakeConfig(gpus)
    self.assertEqual(devices.learner_device(replica, config), device)
    self.assertEqual(config.claimed, claimed)
    self.assertLen([d for d in config.list_logical_devices()
                    if 'GPU' in d.name], gpus if claimed is None else 1)

  def test_gpu_chosen_by_name_once_tensorflow_has_started(self):
    config = _FakeConfig(3, initialised=True)
    self.assertEqual(devices.learner_device(4, config), '/GPU:1')

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
