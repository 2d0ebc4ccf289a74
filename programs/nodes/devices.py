"""Which device a learner computes on, and which node processes see GPUs.

A learner places its network and updates on a GPU if TensorFlow sees one
(data-parallel replica i on GPU i mod n), else on the CPU, and says which.
Every other node process (actors, evaluators, replay, servers) is started
with CUDA_VISIBLE_DEVICES="" so that TensorFlow in it neither takes GPU
memory nor places ops there, unless the launch config sets
CUDA_VISIBLE_DEVICES for its group (`resources`).
"""

from typing import Any, Mapping, Sequence

# Groups whose processes keep the machine's GPUs (a colocated set with one
# of them keeps them for the whole process).
GPU_GROUPS = ('learner',)
VISIBLE_ENV = 'CUDA_VISIBLE_DEVICES'


def choose(device_names: Sequence[str]) -> str:
  """'/GPU:0' if any of TensorFlow's device names (e.g. '/device:GPU:0')
  is a GPU, else '/CPU:0'."""
  gpus = sorted(name for name in device_names
                if name.split(':')[-2:-1] == ['GPU'])
  return '/GPU:0' if gpus else '/CPU:0'


def learner_device(replica: int = 0, config: Any = None) -> str:
  """The device this process's learner uses (imports TensorFlow).

  On a machine with several GPUs, data-parallel replica i (0 for a single
  learner) takes GPU i mod n: the process is made to see that GPU alone,
  before TensorFlow initialises them, so that it takes no memory on the
  others. If TensorFlow in this process has initialised already (another
  node of a colocated set did), the GPU is chosen by name instead.

  Args:
    replica: the learner replica's index.
    config: `tf.config` (a stand-in in tests).
  """
  if config is None:
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    config = tf.config
  gpus = config.list_physical_devices('GPU')
  if len(gpus) > 1:
    try:
      config.set_visible_devices([gpus[replica % len(gpus)]], 'GPU')
    except RuntimeError:  # "Visible devices cannot be modified after ..."
      return f'/GPU:{replica % len(gpus)}'
  return choose([d.name for d in config.list_logical_devices()])


def sees_gpus(label: str) -> bool:
  """True for a group label (or colocated 'a+b' label) that keeps GPUs."""
  return any(part in GPU_GROUPS for part in label.split('+'))


def node_env(label: str, env: Mapping[str, str]) -> dict:
  """`env` for a process of group `label`: GPUs hidden unless the group
  keeps them or `env` sets CUDA_VISIBLE_DEVICES itself."""
  if sees_gpus(label) or VISIBLE_ENV in env:
    return dict(env)
  return {**env, VISIBLE_ENV: ''}
