"""acme's own distributed D4PG (TF) on Pendulum-v1 with 2 actors: the peer
of Ape-X DPG and DPG-R in benchmarks/dpg.py.

  .venv/bin/python -m benchmarks.d4pg_peer --acme_tree=/tmp/d4pg_peer/acme_head \
      [--seconds=150] [--seed=1]

`--acme_tree` is a checkout of acme (e.g. `git archive HEAD` of
github.com/google-deepmind/acme). It goes first on PYTHONPATH of every process
of the launch, so `acme.agents.tf.d4pg.DistributedD4PG` is that tree's, not
the venv's dm-acme 0.4.0; nothing of acme is copied here.

The program is acme's `DistributedD4PG(...).build()`: replay, counter,
learner, evaluator and 2 actors, acme's default hyperparameters (batch 256,
n-step 5, sigma 0.3, samples per insert 32, min replay 1,000), started by
`lp.launch(..., 'local_mp', terminal='current_terminal')` in a launcher
process that runs in a session of its own and in a private network namespace
(launch/isolation.py: Reverb and Courier bind every interface). After
`--seconds` from the launch the session gets SIGTERM, then SIGKILL.

What differs from acme's example program (examples/tf/control_suite/
lp_d4pg.py), and why:
  - Environment: the project's gymnasium Pendulum-v1 adapter
    (agents.common.environments 'pendulum': 200-step episodes, ended by
    truncation with discount 1). acme's factory gets only `is_eval`, so the
    actors seed theirs from (seed, pid) and the evaluator from
    (seed, EVALUATOR_SEED_ID).
  - Critic support [-VMAX, VMAX], 51 atoms: acme's baselines
    (examples/baselines/rl_continuous/run_d4pg.py) take vmax 1,000 for gym
    tasks (unnormalized rewards; Pendulum's are in [-16.3, 0]) and 150 for
    the control suite. Networks otherwise `d4pg.make_default_networks`.
  - The evaluator writes every episode, with its unix time, to a CSV flushed
    at once: acme's default logger keeps a row per 10 s and flushes every 30
    rows, so a killed run would lose them.
  - HOME is a temporary directory: acme writes its other logs and its
    checkpoints under ~/acme.
  - Observations, rewards and discounts in float32 through acme's
    SinglePrecisionWrapper, as acme's example helpers wrap every task.

Figures, from the evaluator's CSV (its rows carry the counter's counts) and
from sampling the session's processes every second: env steps/s (all actors)
and learner updates/s between the first and the last evaluator row with
actor steps; seconds from launch to the first evaluator episode >= THRESHOLD
and to the first mean of 3 consecutive episodes >= THRESHOLD; the last 3
evaluator returns; peak memory (sums of RSS and of PSS).
"""

import argparse
import functools
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

import psutil

from benchmarks import launches
from launch import isolation

THRESHOLD = -200.0
NUM_ACTORS = 2
# Bound of the critic's support (module docstring).
VMAX = 1000.0
# The evaluator's environment seed is actor_seed(seed, EVALUATOR_SEED_ID).
EVALUATOR_SEED_ID = 1_000_000
# Seconds between SIGTERM and SIGKILL to the launch's session; and the margin
# after which the launcher kills its own session if no one else did.
TERMINATION_GRACE_SECONDS = 10
WATCHDOG_MARGIN_SECONDS = 60
# Counter keys every evaluator row carries (0 until the counter has them: a
# CSV's header comes from its first row).
COUNT_KEYS = ('actor_steps', 'actor_episodes', 'learner_steps')


def _pendulum(is_eval: bool, seed: int):
  """acme's environment factory: Pendulum-v1 as a single-precision dm_env."""
  # pylint: disable=g-import-not-at-top
  from acme import wrappers
  from agents.common import environments
  # pylint: enable=g-import-not-at-top
  stream = EVALUATOR_SEED_ID if is_eval else os.getpid()
  # As acme's example helpers do: dm_env's default discount spec is float64,
  # and the learner's categorical loss fails multiplying it by float32 atoms.
  return wrappers.SinglePrecisionWrapper(environments.make_environment(
      'pendulum', environments.actor_seed(seed, stream)))


def _make_program(seed: int, logdir: str):
  """acme's D4PG program; the evaluator writes its episodes to `logdir`.

  Imports acme here: only the launcher has the tree on its path.
  """
  # pylint: disable=g-import-not-at-top
  from acme.agents.tf import d4pg
  from acme.utils import loggers
  # pylint: enable=g-import-not-at-top

  class EvaluatorRows(loggers.Logger):
    """Every evaluator episode with its unix time, flushed at once."""

    def __init__(self):
      self._csv = loggers.CSVLogger(logdir, label='evaluator', add_uid=False,
                                    flush_every=1)

    def write(self, values):
      self._csv.write({**dict.fromkeys(COUNT_KEYS, 0), **values,
                       'unix_time': time.time()})

    def close(self):
      self._csv.close()

  class PeerD4PG(d4pg.DistributedD4PG):
    """acme's program, its evaluator logging through EvaluatorRows."""

    def evaluator(self, variable_source, counter, logger=None):
      del logger
      return d4pg.DistributedD4PG.evaluator(self, variable_source, counter,
                                            logger=EvaluatorRows())

  networks = functools.partial(d4pg.make_default_networks, vmin=-VMAX,
                               vmax=VMAX)
  return PeerD4PG(functools.partial(_pendulum, seed=seed), networks,
                  num_actors=NUM_ACTORS).build()


def _run_launcher(acme_tree: str, logdir: str, seed: int,
                  seconds: float) -> None:
  """The launcher process: isolates itself, launches, waits."""
  # Before any thread or node: namespaces apply to the calling thread and
  # the processes it starts.
  why_not = isolation.enter_private_network()
  if why_not:
    raise RuntimeError(f'Not launching on the host network: {why_not}')

  def kill_session():
    time.sleep(seconds + WATCHDOG_MARGIN_SECONDS)
    os.killpg(os.getpgrp(), signal.SIGKILL)
  threading.Thread(target=kill_session, daemon=True).start()

  import acme  # pylint: disable=g-import-not-at-top
  if not os.path.abspath(acme.__file__).startswith(
      os.path.abspath(acme_tree) + os.sep):
    raise RuntimeError(f'acme imported from {acme.__file__}, not from '
                       f'--acme_tree={acme_tree}: PYTHONPATH not set?')
  import launchpad as lp  # pylint: disable=g-import-not-at-top
  manager = lp.launch(_make_program(seed, logdir), launch_type='local_mp',
                      terminal='current_terminal')
  manager.wait()


def _first_time(rows, threshold, window):
  """Unix time of the first row ending `window` rows whose mean return
  reaches `threshold`; None if none does."""
  for i in range(window - 1, len(rows)):
    returns = [float(r['episode_return']) for r in rows[i - window + 1:i + 1]]
    if sum(returns) / window >= threshold:
      return float(rows[i]['unix_time'])
  return None


def _live(session_id):
  """Pids of the session's processes that are not zombies."""
  live = []
  for p in launches.session_processes(session_id):
    try:
      if p.status() != psutil.STATUS_ZOMBIE:
        live.append(p.pid)
    except psutil.Error:
      continue
  return live


def run(acme_tree: str, seconds: float, seed: int) -> dict:
  """Launches acme's D4PG for `seconds`; returns its figures."""
  acme_tree = os.path.abspath(acme_tree)
  if not os.path.isfile(os.path.join(acme_tree, 'acme', 'agents', 'tf',
                                     'd4pg', 'agent_distributed.py')):
    raise ValueError(f'--acme_tree={acme_tree} has no acme/agents/tf/d4pg/'
                     'agent_distributed.py.')
  logdir = tempfile.mkdtemp(prefix='d4pg_peer_')
  env = {**os.environ, 'HOME': logdir,
         'PYTHONPATH': os.pathsep.join([acme_tree, launches.REPO])}
  args = [sys.executable, '-m', 'benchmarks.d4pg_peer',
          f'--acme_tree={acme_tree}', f'--seconds={seconds}',
          f'--seed={seed}', f'--launcher_logdir={logdir}']
  peak = {'rss': 0, 'pss': 0}
  stop = threading.Event()
  output_path = os.path.join(logdir, 'launch.log')
  with open(output_path, 'w') as output:
    start = time.time()
    process = subprocess.Popen(args, cwd=launches.REPO, env=env,
                               stdout=output, stderr=subprocess.STDOUT,
                               start_new_session=True)
    sampler = threading.Thread(target=launches.sample_memory,
                               args=(process.pid, stop, peak), daemon=True)
    sampler.start()
    try:
      process.wait(timeout=seconds)
      early_exit = process.returncode
    except subprocess.TimeoutExpired:
      early_exit = None
    finally:
      stop.set()
      for sig, grace in ((signal.SIGTERM, TERMINATION_GRACE_SECONDS),
                         (signal.SIGKILL, 5)):
        try:
          os.killpg(process.pid, sig)
        except ProcessLookupError:
          break
        try:
          process.wait(timeout=grace)
        except subprocess.TimeoutExpired:
          pass
        if not _live(process.pid):
          break
  # Killed nodes are zombies until their parents (also killed) are reaped.
  deadline = time.time() + 10
  while time.time() < deadline and _live(process.pid):
    time.sleep(0.5)
  left = _live(process.pid)
  path = os.path.join(logdir, 'logs', 'evaluator', 'logs.csv')
  if not os.path.exists(path):
    with open(output_path) as f:
      raise RuntimeError(f'No evaluator log; launcher exit {early_exit}:\n'
                         f'{f.read()[-3000:]}')
  rows = launches.read_csv(path)
  if not rows:
    raise RuntimeError(f'The evaluator finished no episode; see {output_path}')
  counted = [r for r in rows if float(r['actor_steps']) > 0] or rows
  first, last = counted[0], counted[-1]
  span = float(last['unix_time']) - float(first['unix_time'])
  rate = lambda key: (float('nan') if span <= 0 else
                      (float(last[key]) - float(first[key])) / span)
  since_start = lambda t: None if t is None else t - start
  return {
      'env_steps': int(float(last['actor_steps'])),
      'learner_steps': int(float(last['learner_steps'])),
      'env_steps_per_s': rate('actor_steps'),
      'learner_steps_per_s': rate('learner_steps'),
      'evaluator_episodes': len(rows),
      'first_return_at_threshold_s': since_start(
          _first_time(rows, THRESHOLD, 1)),
      'mean3_at_threshold_s': since_start(_first_time(rows, THRESHOLD, 3)),
      'last_returns': [round(float(r['episode_return']), 1)
                       for r in rows[-3:]],
      'peak_rss_gib': peak['rss'] / 2**30,
      'peak_pss_gib': peak['pss'] / 2**30,
      'launcher_exit_before_budget': early_exit,
      'processes_left': left,
      'logdir': logdir,
  }


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--acme_tree', required=True,
                      help='A checkout of acme whose acme/ is imported.')
  parser.add_argument('--seconds', type=float, default=150.0,
                      help='Wall-clock budget from the launch.')
  parser.add_argument('--seed', type=int, default=1,
                      help='Seeds the environments.')
  # Internal: set by `run` for the launcher process it starts.
  parser.add_argument('--launcher_logdir', help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.launcher_logdir:
    _run_launcher(args.acme_tree, args.launcher_logdir, args.seed,
                  args.seconds)
    return
  result = run(args.acme_tree, args.seconds, args.seed)
  print(result)
  fmt = lambda x: 'not reached' if x is None else f'{x:.0f} s'
  print(f"acme D4PG (TF), Pendulum-v1, {NUM_ACTORS} actors, seed {args.seed},"
        f" {args.seconds:.0f} s: {result['env_steps_per_s']:.0f} env steps/s,"
        f" {result['learner_steps_per_s']:.1f} updates/s, first episode >= "
        f"{THRESHOLD:g}: {fmt(result['first_return_at_threshold_s'])}, "
        f"3-episode mean: {fmt(result['mean3_at_threshold_s'])}, last "
        f"returns {result['last_returns']}, peak RSS "
        f"{result['peak_rss_gib']:.2f} GiB, PSS "
        f"{result['peak_pss_gib']:.2f} GiB")


if __name__ == '__main__':
  main()
