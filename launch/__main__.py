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
import tempfile
import time
from typing import Optional

from absl import app
from absl import flags
from absl import logging
import launchpad as lp  # Also defines --lp_* flags (e.g. termination notice).

from launch import supervise  # Standard library only.

# Flags are read in main() and passed down as values (house rule 10).
_PROGRAM = flags.DEFINE_string('program', 'impala', 'Program to launch.')
_ENV = flags.DEFINE_string('env', 'catch', 'Environment name.')
_NUM_ACTORS = flags.DEFINE_integer('num_actors', 2, 'Actor nodes.')
_MAX_SECONDS = flags.DEFINE_float('max_seconds', None, 'Budget: seconds.')
_MAX_ACTOR_STEPS = flags.DEFINE_integer('max_actor_steps', None,
                                        'Budget: environment steps.')
_MAX_LEARNER_STEPS = flags.DEFINE_integer('max_learner_steps', None,
                                          'Budget: learner updates.')
_COLOCATE = flags.DEFINE_list(
    'colocate', None, 'Sets of node groups, each run as threads of one '
    "process (local_mp): groups joined by '+', sets by ',', e.g. "
    'replay+learner+counter+variable_server+evaluator,actor.')
_TARGET_RETURN = flags.DEFINE_float(
    'target_return', None, 'Stop early once the mean return of the last 3 '
    'evaluator rounds reaches this (needs one of the --max_* budgets too).')
_SEED = flags.DEFINE_integer('seed', 0, 'Run seed.')
_LAUNCH_TYPE = flags.DEFINE_string(
    'launch_type', 'local_mp', 'local_mp | local_mt | test_mt | multi_host '
    '(needs a --config with a cluster section, and --host) | vertex_ai '
    '(needs a --config with a vertex_ai section).')
# Like --host's DISTRL_HOST: one environment for every host of a cluster.
CONFIG_ENV = 'DISTRL_CONFIG'
_CONFIG = flags.DEFINE_string(
    'config', None, f'JSON launch config file (default: ${CONFIG_ENV}).')
_LOGDIR = flags.DEFINE_string('logdir', None,
                              'CSV, TensorBoard and config.json go here.')
_HPARAM = flags.DEFINE_multi_string('hparam', [],
                                    'Agent hyperparameter, name=value.')
_FRESH = flags.DEFINE_bool(
    'fresh', False,
    'Start a new run in --logdir even if it holds a checkpoint to resume: '
    'its contents are first moved to <logdir>.old-<time>.')
_MAX_RESTARTS = flags.DEFINE_integer(
    'max_restarts', 3, 'local_mp only (threads cannot be restarted): times '
    'an actor, evaluator or worker process that died is started again '
    'before its failure stops the program; 0: never.', lower_bound=0)
_HOST = flags.DEFINE_string(
    'host', None, 'multi_host: which host of the config\'s cluster this '
    'machine is (default: the DISTRL_HOST environment variable).')
_ALLOW_PUBLIC_ADDRESS = flags.DEFINE_bool(
    'allow_public_address', False, 'multi_host: start even if this host\'s '
    'cluster address is not private (loopback, RFC 1918, ULA); Courier and '
    'Reverb ports then need a firewall.')
_SEEDS = flags.DEFINE_integer(
    'seeds', 1, 'Run the launch this many times, one after the other, with '
    'seeds --seed, --seed + 1, ... in <logdir>/seed_<s> (needs --logdir), '
    'then print mean and spread over the seeds (launch/sweep.py).',
    lower_bound=1)
_VERBOSE = flags.DEFINE_bool(
    'verbose', False, 'Print everything the nodes print: the libraries\' '
    'INFO lines and every node\'s metric rows, instead of one progress line '
    'per period (launch/terminal.py).')
_ISOLATE = flags.DEFINE_bool(
    'isolate_network', True,
    'Run a local launch in a private network namespace so that its Reverb '
    'and Courier ports cannot be reached from outside.')

# How long the launcher waits for its nodes after the stop before it
# SIGKILLs them all (Launchpad's default, 10 s, is also each node's own
# notice). A replay node in the middle of a checkpoint of a full table holds
# the GIL inside Reverb, so it sees the stop only when that checkpoint ends,
# then saves its final one: 100k CartPole transitions took 13 s on 2 cores,
# and a DQN run that had reached its target ended with exit -9. Nodes keep
# their 10 s; --lp_termination_notice_secs still overrides this.
LAUNCHER_NOTICE_SECONDS = 30
flags.FLAGS.set_default('lp_termination_notice_secs', LAUNCHER_NOTICE_SECONDS)


def _threaded_launch_requested(argv) -> bool:
  """True if argv (or its --config file) asks for local_mt or test_mt."""
  launch_type = None
  for arg in argv[1:]:
    if arg.startswith('--launch_type='):
      launch_type = arg.split('=', 1)[1]
    elif arg.startswith('--config=') and launch_type is None:
      try:
        with open(arg.split('=', 1)[1]) as f:
          launch_type = json.load(f).get('launch_type')
      except (OSError, ValueError, AttributeError):
        pass  # build() reports a bad file, before any node starts.
  return launch_type in ('local_mt', 'test_mt')


# In a threaded launch every node imports TensorFlow from its own thread.
# Unless TensorFlow was imported and its eager context started before absl's
# app.run, the learner's first step then fails ("Op type not registered
# '..._while_cond_...'" or "tensor 'adam/m/...' is out of scope"): seen in
# every local_mt run, in none after this import. A process launch (local_mp)
# skips it: its launcher needs no TensorFlow.
if _threaded_launch_requested(sys.argv):
  os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # As main() does.
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  tf.constant(0)

_FLAG_TO_FIELD = {
    'program': 'program', 'env': 'environment', 'num_actors': 'num_actors',
    'max_seconds': 'max_seconds', 'max_actor_steps': 'max_actor_steps',
    'max_learner_steps': 'max_learner_steps', 'seed': 'seed',
    'target_return': 'target_return', 'colocate': 'colocate',
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
  if 'colocate' in given:
    from launch import colocation  # pylint: disable=g-import-not-at-top
    given['colocate'] = colocation.parse(given['colocate'])
  hparams = {}
  for item in _HPARAM.value:
    if '=' not in item:
      raise ValueError(f'--hparam={item!r} must look like name=value.')
    name, value = item.split('=', 1)
    hparams[name.strip()] = value.strip()
  config_path = _CONFIG.value or os.environ.get(CONFIG_ENV)
  if config_path:
    launch = config_lib.LaunchConfig.from_file(config_path, **given)
  else:
    defaults = {field: flags.FLAGS[name].value
                for name, field in _FLAG_TO_FIELD.items()}
    defaults.update(given)
    if defaults['colocate'] is None:
      defaults['colocate'] = ()
    launch = config_lib.LaunchConfig(**defaults)
  if hparams:
    launch = dataclasses.replace(
        launch, hparams={**launch.hparams, **hparams})
  return launch


def _report_restarts(restarts_path: str, logdir: Optional[str]) -> None:
  """Prints how often each node was restarted; appends the restart lines to
  <logdir>/restarts.log. Removes `restarts_path`."""
  with open(restarts_path) as f:
    lines = f.read()
  os.unlink(restarts_path)
  titles = supervise.parse_restarts(lines)
  if not titles:
    return
  counts = {title: titles.count(title) for title in dict.fromkeys(titles)}
  print('[launch] restarted: ' + ', '.join(
      f'{title} x{count}' for title, count in counts.items()), flush=True)
  if logdir:
    with open(os.path.join(logdir, 'restarts.log'), 'a') as f:
      f.write(lines)


def _sweep(launch) -> int:
  """--seeds=N: N launches of `launch`, one per seed (launch/sweep.py)."""
  from launch import sweep  # pylint: disable=g-import-not-at-top
  if not launch.logdir:
    raise ValueError(f'--seeds={_SEEDS.value} needs --logdir: each seed\'s '
                     'run goes to <logdir>/seed_<s>.')
  if launch.launch_type in ('multi_host', 'vertex_ai'):
    raise ValueError(f'--seeds applies to local launches, not launch_type='
                     f'{launch.launch_type!r}.')
  return sweep.run(sweep.flag_args(flags.FLAGS), _SEEDS.value, launch.seed,
                   launch.logdir, launch.target_return)


def _write_plots(logdir: str) -> None:
  """The run's learning curves as PNGs in <logdir>/plots (launch/plot.py);
  a plot that fails is reported, not a failure of the run."""
  from launch import plot  # pylint: disable=g-import-not-at-top
  try:
    paths = plot.write_run_plots(logdir)
  except Exception as e:  # pylint: disable=broad-except
    print(f'[launch] plots: not written ({type(e).__name__}: {e})',
          flush=True)
    return
  if paths:
    print(f'[launch] plots: {os.path.dirname(paths[0])} ('
          f'{", ".join(os.path.basename(p) for p in paths)})', flush=True)


def main(argv):
  del argv
  start_time = time.time()
  # Quiet TensorFlow's start-up chatter in every node (children inherit it).
  os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')
  # Progress lines show up as they happen even when output goes to a file.
  os.environ.setdefault('PYTHONUNBUFFERED', '1')
  from launch import config as config_lib  # pylint: disable=g-import-not-at-top
  from launch import isolation  # pylint: disable=g-import-not-at-top
  from launch import local_mp  # pylint: disable=g-import-not-at-top
  from launch import coordinator  # pylint: disable=g-import-not-at-top
  from launch import multi_host  # pylint: disable=g-import-not-at-top
  from launch import resume  # pylint: disable=g-import-not-at-top
  session = None
  try:
    launch = _launch_config()
    if _SEEDS.value > 1:
      return _sweep(launch)
    if launch.launch_type == 'vertex_ai':
      from launch import vertex_ai  # pylint: disable=g-import-not-at-top
      why = vertex_ai.missing_requirements(launch.vertex_ai)
      if why:  # Before anything is built.
        print(f'launch: error: {why}', file=sys.stderr)
        return 2
    built = config_lib.build(launch, start_time=start_time)
    run_start = start_time  # The progress line's clock (a resumed run's).
    if launch.launch_type == 'vertex_ai':
      pass  # Nothing local to resume: the job runs on Google Cloud.
    elif launch.launch_type == 'multi_host':
      session = multi_host.join(
          launch, built, _HOST.value or os.environ.get(multi_host.HOST_ENV),
          allow_public_address=_ALLOW_PUBLIC_ADDRESS.value,
          fresh=_FRESH.value, now=time.time)
      built = session.built
      for message in session.messages:
        print(f'[launch] {message}', flush=True)
    elif launch.logdir:
      plan = resume.plan(launch.logdir, resume.record(built.resolved),
                         fresh=_FRESH.value)
      for message in plan.messages:
        print(f'[launch] {message}', flush=True)
      if plan.resume:  # The run's clock goes on: budgets, log rows.
        run_start = start_time - plan.elapsed_seconds
        built = config_lib.build(launch, start_time=run_start)
  except (ValueError, TypeError, OSError) as e:
    print(f'launch: error: {e}', file=sys.stderr)
    return 2
  except coordinator.ClusterError as e:
    print(f'launch: the hosts did not start together: {e}', file=sys.stderr)
    return 1

  if launch.launch_type == 'vertex_ai':
    try:
      pools = vertex_ai.launch(built.program, launch.resources,
                               launch.vertex_ai)
    except ValueError as e:
      print(f'launch: error: {e}', file=sys.stderr)
      return 2
    for pool in pools:
      print(f'[launch] {pool}', flush=True)
    print('[launch] submitted to Vertex AI; the job runs there (lp.stop() at '
          'the budget cancels it)', flush=True)
    return 0

  logdir = built.resolved['logdir']  # A multi_host member's: its own.
  if logdir:
    os.makedirs(logdir, exist_ok=True)
    with open(os.path.join(logdir, 'config.json'), 'w') as f:
      json.dump(built.resolved, f, indent=2, default=str)

  # multi_host: other hosts must reach this one's ports, so no namespace.
  if session is None and launch.isolate_network:
    why_not = isolation.enter_private_network()
    if why_not:
      logging.warning('Network isolation off: %s. Reverb and Courier ports of '
                      'this launch listen on all interfaces.', why_not)
    else:
      print('[launch] nodes run in a private network namespace '
            '(--noisolate_network to opt out)', flush=True)

  from programs.nodes import lifecycle  # pylint: disable=g-import-not-at-top
  # Nodes that fail write here (Launchpad ignores their exit codes).
  failure_file = tempfile.NamedTemporaryFile(prefix='distrl_failures_',
                                             delete=False)
  failure_file.close()
  os.environ[lifecycle.FAILURE_FILE_ENV] = failure_file.name
  # Supervisors of restartable nodes (local_mp) write a line per restart.
  restarts_file = tempfile.NamedTemporaryFile(prefix='distrl_restarts_',
                                              delete=False)
  restarts_file.close()
  os.environ[supervise.RESTARTS_FILE_ENV] = restarts_file.name
  from launch import presets  # pylint: disable=g-import-not-at-top
  preset = presets.describe(launch.program, launch.environment,
                            launch.hparams)
  if preset:
    print(f'[launch] {preset}', flush=True)
  print(f'[launch] {launch.program} on {launch.environment}, '
        f'{launch.num_actors} actor(s), {launch.launch_type}, budget '
        f'{built.budget}', flush=True)
  failures = ''
  restore_terminal = lambda: None
  if not _VERBOSE.value:
    from launch import terminal  # pylint: disable=g-import-not-at-top
    logging.set_verbosity(logging.WARNING)  # Threaded nodes log here.
    restore_terminal = terminal.quiet(built.budget, run_start)
  try:
    if launch.launch_type in config_lib.PROCESS_LAUNCH_TYPES:
      if session is not None:
        manager, relays = session.start_nodes(_MAX_RESTARTS.value,
                                              failure_file.name)
      else:
        manager, relays = local_mp.launch(
            built.program, built.local_resources,
            max_restarts=_MAX_RESTARTS.value)
      try:
        manager.wait()
      except RuntimeError:
        # A node process exited with an error before the stop (e.g. its
        # supervisor, out of restarts): Launchpad has begun stopping the
        # rest but raised at once. Returning now would leave nodes running
        # and Launchpad's 1 s stop alarm armed, which killed this process
        # with SIGALRM (exit -14) as it finalized; its termination notice
        # bounds this wait.
        manager.wait(raise_error=False)
        raise
      finally:
        for relay in relays:  # Drain the nodes' last lines.
          relay.join(timeout=2)
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
  except RuntimeError as e:  # A node exited with an error before the stop.
    failures = f'{e}\n'
  finally:
    restore_terminal()
  with open(failure_file.name) as f:
    failures += f.read()
  _report_restarts(restarts_file.name, logdir)
  if session is not None:  # Every host exits with the same verdict.
    failures = session.finish(failures)
    if session.stopped_by():
      print(f'[launch] stopped by {session.stopped_by()}', flush=True)
  os.unlink(failure_file.name)
  from launch import summary  # pylint: disable=g-import-not-at-top
  for line in summary.lines(logdir, launch.target_return):
    print(f'[launch] {line}', flush=True)
  if logdir:
    _write_plots(logdir)
  if failures:
    print(f'[launch] FAILED after {time.time() - start_time:.1f} s:\n'
          f'{failures}', file=sys.stderr, flush=True)
    return 1
  print(f'[launch] done in {time.time() - start_time:.1f} s', flush=True)
  return 0


if __name__ == '__main__':
  app.run(main)
