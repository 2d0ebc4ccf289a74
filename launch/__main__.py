r"""Launches a distrl program: `python -m launch --program=impala --env=catch`.

Examples:
  python -m launch --program=impala --env=catch --num_actors=2 \
      --max_seconds=120 --logdir=/tmp/impala_catch
  python -m launch --config=launch/configs/impala_catch.json \
      --hparam=learning_rate=0.001 --hparam=batch_size=16
  python -m launch --env=cartpole --launch_type=local_mt --max_seconds=60

Flags given on the command line override the --config file. The run ends by
itself at the first budget reached (exit code 0); Ctrl-C stops it too. Bad
input exits with code 2 and a message before any process starts.
"""

import dataclasses
import json
import os
import sys
import time

from absl import app
from absl import flags
from absl import logging

# Flags are read in main() and passed down as values (house rule 10).
_PROGRAM = flags.DEFINE_string('program', 'impala', 'Program to launch.')
_ENV = flags.DEFINE_string('env', 'catch', 'Environment name.')
_NUM_ACTORS = flags.DEFINE_integer('num_actors', 2, 'Actor nodes.')
_MAX_SECONDS = flags.DEFINE_float('max_seconds', None, 'Budget: seconds.')
_MAX_ACTOR_STEPS = flags.DEFINE_integer('max_actor_steps', None,
                                        'Budget: environment steps.')
_MAX_LEARNER_STEPS = flags.DEFINE_integer('max_learner_steps', None,
                                          'Budget: learner updates.')
_SEED = flags.DEFINE_integer('seed', 0, 'Run seed.')
_LAUNCH_TYPE = flags.DEFINE_string('launch_type', 'local_mp',
                                   'local_mp | local_mt | test_mt.')
_CONFIG = flags.DEFINE_string('config', None, 'JSON launch config file.')
_LOGDIR = flags.DEFINE_string('logdir', None,
                              'CSV, TensorBoard and config.json go here.')
_HPARAM = flags.DEFINE_multi_string('hparam', [],
                                    'Agent hyperparameter, name=value.')
_ISOLATE = flags.DEFINE_bool(
    'isolate_network', True,
    'Run a local launch in a private network namespace so that its Reverb '
    'and Courier ports cannot be reached from outside.')

_FLAG_TO_FIELD = {
    'program': 'program', 'env': 'environment', 'num_actors': 'num_actors',
    'max_seconds': 'max_seconds', 'max_actor_steps': 'max_actor_steps',
    'max_learner_steps': 'max_learner_steps', 'seed': 'seed',
    'launch_type': 'launch_type', 'logdir': 'logdir',
    'isolate_network': 'isolate_network',
}


class _Cleanups:
  """Stands in for the test case `test_mt` registers its cleanup with."""

  def __init__(self):
    self.cleanups = []

  def addCleanup(self, function, *args, **kwargs):  # pylint: disable=invalid-name
    self.cleanups.append(lambda: function(*args, **kwargs))


def _launch_config():
  """The LaunchConfig from --config and the flags given explicitly."""
  from launch import config as config_lib  # pylint: disable=g-import-not-at-top
  given = {field: flags.FLAGS[name].value
           for name, field in _FLAG_TO_FIELD.items()
           if flags.FLAGS[name].present}
  hparams = {}
  for item in _HPARAM.value:
    if '=' not in item:
      raise ValueError(f'--hparam={item!r} must look like name=value.')
    name, value = item.split('=', 1)
    hparams[name.strip()] = value.strip()
  if _CONFIG.value:
    launch = config_lib.LaunchConfig.from_file(_CONFIG.value, **given)
  else:
    defaults = {field: flags.FLAGS[name].value
                for name, field in _FLAG_TO_FIELD.items()}
    launch = config_lib.LaunchConfig(**defaults)
  if hparams:
    launch = dataclasses.replace(
        launch, hparams={**launch.hparams, **hparams})
  return launch


def main(argv):
  del argv
  start_time = time.time()
  # Quiet TensorFlow's start-up chatter in every node (children inherit it).
  os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  from launch import config as config_lib  # pylint: disable=g-import-not-at-top
  from launch import isolation  # pylint: disable=g-import-not-at-top
  try:
    launch = _launch_config()
    built = config_lib.build(launch, start_time=start_time)
  except (ValueError, TypeError, OSError) as e:
    print(f'launch: error: {e}', file=sys.stderr)
    return 2

  if launch.logdir:
    os.makedirs(launch.logdir, exist_ok=True)
    with open(os.path.join(launch.logdir, 'config.json'), 'w') as f:
      json.dump(built.resolved, f, indent=2, default=str)

  if launch.isolate_network:
    why_not = isolation.enter_private_network()
    if why_not:
      logging.warning('Network isolation off: %s. Reverb and Courier ports of '
                      'this launch listen on all interfaces.', why_not)
    else:
      print('[launch] nodes run in a private network namespace '
            '(--noisolate_network to opt out)', flush=True)

  import launchpad as lp  # pylint: disable=g-import-not-at-top
  print(f'[launch] {launch.program} on {launch.environment}, '
        f'{launch.num_actors} actor(s), {launch.launch_type}, budget '
        f'{built.budget}', flush=True)
  if launch.launch_type == 'local_mp':
    manager = lp.launch(built.program, launch_type='local_mp',
                        local_resources=built.local_resources,
                        terminal='current_terminal')
    manager.wait()
  elif launch.launch_type == 'local_mt':
    manager = lp.launch(built.program, launch_type='local_mt',
                        serialize_py_nodes=False)
    manager.wait()
  else:
    cleanups = _Cleanups()
    manager = lp.launch(built.program, launch_type='test_mt',
                        test_case=cleanups)
    manager.wait()
    for cleanup in cleanups.cleanups:
      cleanup()
  print(f'[launch] done in {time.time() - start_time:.1f} s', flush=True)
  return 0


if __name__ == '__main__':
  app.run(main)
