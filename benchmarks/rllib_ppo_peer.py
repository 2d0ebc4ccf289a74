"""RLlib's PPO (Ray 2.12, tf2) on CartPole-v1: the peer of our PPO (issue 14).

  make bench-rllib RLLIB_ARGS='--seeds=3'
  (= .venv-rllib/bin/python -m benchmarks.rllib_ppo_peer [--seconds=300]
     [--seed=0] [--seeds=1])

Runs in .venv-rllib (requirements/rllib.lock: ray[rllib] 2.12.0,
tensorflow-cpu 2.15.1, gymnasium 0.28.1), not in .venv: of this repository it
imports only launch/isolation.py and benchmarks/launches.py (stdlib and
psutil).

What runs: `PPOConfig(...).build()` and `train()` until the target or the
budget, in a launcher process that runs in a session of its own and in a
private network namespace (launch/isolation.py: Ray's GCS, raylet and workers
listen on ports too). `ray.init` starts a new local Ray (address='local') on
127.0.0.1, without the dashboard, its files under a temporary directory that
is also HOME (RLlib writes its results under ~/ray_results). The launcher
ends Ray with `ray.shutdown()`; whatever of its session is left, and the whole
session once `--seconds` + SHUTDOWN_GRACE_SECONDS have passed, gets SIGTERM,
then SIGKILL, by pid.

Hyperparameters: RLlib's defaults for PPO in 2.12 (old API stack: train batch
4,000 steps, minibatch 128, clip 0.3, GAE lambda 1.0, KL coefficient 0.2,
target 0.01) with the values of its tuned example
rllib/tuned_examples/ppo/cartpole-ppo.yaml (TUNED_EXAMPLE: gamma 0.99, lr
3e-4, 6 SGD epochs, vf_loss_coeff 0.01, one linear layer of 32 shared by
policy and value; MeanStdFilter on observations, as in the example's
old-API-stack versions: its newest version, with num_env_runners and
num_epochs, has none), framework 'tf2'.

What differs from the tuned example and RLlib's defaults, and why:
  - Sampling mirrors our 2 actors x 16 environments: 2 rollout workers x 16
    CartPole-v1 environments (the example has 1 worker x 1 environment); the
    learner's SGD runs in the launcher (RLlib's local worker).
  - Evaluation as ours: a round plays 32 fresh episodes at once (one per
    environment, sampled actions, not greedy), every iteration, on one
    evaluation worker parallel to training (evaluation_parallel_to_training).
    RLlib's own loop with `evaluation_duration_unit='episodes'` counts one
    episode per `sample()` call, so with 32 vectorized environments it would
    play ~32 x 32 episodes a round, and with 1 environment 32 episodes one
    step at a time (~16,000 single-step inferences per round once solved); so
    `custom_evaluation_function` (_evaluate) plays the round on the
    evaluation worker, whose weights and MeanStdFilter RLlib synchronized
    before the call. The evaluation worker takes no CPU of Ray's count, as
    our evaluator is a process beside the actors on the same 2 cores: Ray's
    `num_cpus` is NUM_CPUS, the machine's cores.
  - Round cadence: one round per training iteration (~4,000 env steps), not
    every 2 s; a round's return is known when the iteration ends.
  - Stops when the target is met (as our `--target_return=475`) or when an
    iteration ends past `--seconds`.

Figures, from one row per iteration written by the launcher: seconds from the
launch (before the launcher process starts, so before `import ray`) to the
end of the first iteration whose evaluation round makes the mean of 3
consecutive rounds >= THRESHOLD; seconds to the Algorithm being built
(start-up) and to the first iteration's end; env steps/s of training sampling
(RLlib's num_env_steps_sampled, evaluation excluded) between the first and
the last iteration; the last round's return and RLlib's training return
(mean of the last 100 episodes); peak memory of the session's processes
(sums of RSS and of PSS, sampled every second).
"""

import argparse
import functools
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from typing import Any, Dict, List, Optional

import numpy as np
import psutil

from benchmarks import launches
from launch import isolation

THRESHOLD = 475.0
# Consecutive evaluation rounds whose mean must reach THRESHOLD.
WINDOW_ROUNDS = 3
ENVIRONMENT = 'CartPole-v1'
# Our PPO's sampling: 2 actors x 16 environments (benchmarks/results.md).
NUM_WORKERS = 2
ENVS_PER_WORKER = 16
# Episodes per evaluation round, as our evaluator (PPOConfig.eval_episodes).
EVAL_EPISODES = 32
# Ray's CPU count: the machine's 2 cores, one per rollout worker.
NUM_CPUS = 2
# Seeds of evaluation environments: EVAL_SEED_STRIDE * seed + episode number.
EVAL_SEED_STRIDE = 1_000_000
# Ray's object store (it defaults to 30% of the RAM); PPO's objects are small.
OBJECT_STORE_BYTES = 256 * 2**20
# rllib/tuned_examples/ppo/cartpole-ppo.yaml, as `PPOConfig.training` args.
TUNED_EXAMPLE = {
    'gamma': 0.99,
    'lr': 3e-4,
    'num_sgd_iter': 6,
    'vf_loss_coeff': 0.01,
    'model': {'fcnet_hiddens': [32], 'fcnet_activation': 'linear',
              'vf_share_layers': True},
}
TUNED_OBSERVATION_FILTER = 'MeanStdFilter'
# Seconds the launcher has, after the budget, to end its iteration and Ray;
# then SIGTERM, and SIGKILL after TERMINATION_GRACE_SECONDS.
SHUTDOWN_GRACE_SECONDS = 60
TERMINATION_GRACE_SECONDS = 10
# The launcher kills its own session this long after the budget if no one
# else did (its parent was killed).
WATCHDOG_MARGIN_SECONDS = 120
ROWS_FILE = 'iterations.jsonl'


def _play_round(worker, num_episodes: int, first_seed: int) -> List[float]:
  """On an evaluation worker: `num_episodes` episodes at once, one per
  CartPole-v1, actions sampled from the worker's policy; their returns."""
  # pylint: disable=g-import-not-at-top
  import gymnasium
  from ray.rllib.policy import sample_batch
  # pylint: enable=g-import-not-at-top
  policy = worker.get_policy()
  # With connectors (RLlib's default) the filter is a connector holding a
  # MeanStdFilter in `.filter`; without, the MeanStdFilter itself.
  observation_filter = worker.filters[sample_batch.DEFAULT_POLICY_ID]
  observation_filter = getattr(observation_filter, 'filter',
                               observation_filter)
  environments = [gymnasium.make(ENVIRONMENT) for _ in range(num_episodes)]
  observations = np.stack([
      e.reset(seed=first_seed + i)[0] for i, e in enumerate(environments)])
  returns = np.zeros(num_episodes)  # [B]
  running = np.ones(num_episodes, bool)  # [B]
  while running.any():
    # update=False: evaluation must not move the training statistics.
    actions, _, _ = policy.compute_actions(
        observation_filter(observations, update=False), explore=True)
    for i in np.flatnonzero(running):
      observation, reward, terminated, truncated, _ = environments[i].step(
          int(actions[i]))
      observations[i] = observation
      returns[i] += reward
      running[i] = not (terminated or truncated)
  for e in environments:
    e.close()
  return returns.tolist()


def _evaluate(algorithm, evaluation_workers) -> Dict[str, Any]:
  """RLlib's custom_evaluation_function: one round on the evaluation
  worker (RLlib has synchronized its weights and filter)."""
  num_episodes = algorithm.config.evaluation_duration
  first_seed = (EVAL_SEED_STRIDE * algorithm.config.seed +
                num_episodes * algorithm.iteration)
  returns = evaluation_workers.foreach_worker(
      functools.partial(_play_round, num_episodes=num_episodes,
                        first_seed=first_seed),
      local_worker=False)[0]
  return {'episode_reward_mean': float(np.mean(returns)),
          'episode_reward_min': float(np.min(returns)),
          'episode_reward_max': float(np.max(returns)),
          'episodes_this_iter': len(returns)}


def _make_config(seed: int):
  """RLlib's PPO: defaults, the tuned example, our sampling and evaluation."""
  from ray.rllib.algorithms import ppo  # pylint: disable=g-import-not-at-top
  return (
      ppo.PPOConfig()
      .environment(ENVIRONMENT)
      .framework('tf2')
      .rollouts(num_rollout_workers=NUM_WORKERS,
                num_envs_per_worker=ENVS_PER_WORKER,
                observation_filter=TUNED_OBSERVATION_FILTER)
      .training(**TUNED_EXAMPLE)
      .evaluation(
          evaluation_interval=1,
          evaluation_duration=EVAL_EPISODES,
          evaluation_duration_unit='episodes',
          evaluation_num_workers=1,
          evaluation_parallel_to_training=True,
          custom_evaluation_function=_evaluate,
          # _play_round makes its own environments: 1 for the worker's own.
          evaluation_config=ppo.PPOConfig.overrides(
              explore=True, num_envs_per_worker=1, num_cpus_per_worker=0))
      .resources(num_gpus=0)
      .debugging(seed=seed))


def _session_pids(session_id: int, exclude: int = 0) -> List[int]:
  """Pids of the session's processes that are not zombies."""
  live = []
  for p in launches.session_processes(session_id):
    try:
      if p.pid != exclude and p.status() != psutil.STATUS_ZOMBIE:
        live.append(p.pid)
    except psutil.Error:
      continue
  return live


def _kill_session(session_id: int, exclude: int = 0) -> List[int]:
  """SIGTERM, then SIGKILL, to every live process of the session (by pid,
  but `exclude`); returns the pids still alive after both."""
  for sig, grace in ((signal.SIGTERM, TERMINATION_GRACE_SECONDS),
                     (signal.SIGKILL, 5)):
    pids = _session_pids(session_id, exclude)
    if not pids:
      return []
    for pid in pids:
      try:
        os.kill(pid, sig)
      except ProcessLookupError:
        pass
    deadline = time.time() + grace
    while time.time() < deadline and _session_pids(session_id, exclude):
      time.sleep(0.2)
  return _session_pids(session_id, exclude)


def _write_row(path: str, row: Dict[str, Any]) -> None:
  with open(path, 'a') as f:
    f.write(json.dumps(row) + '\n')


def _run_launcher(logdir: str, seed: int, seconds: float,
                  launch_time: float) -> None:
  """The launcher process: isolates itself, trains until target or budget."""
  # Before any thread or Ray process: namespaces apply to the calling thread
  # and the processes it starts.
  why_not = isolation.enter_private_network()
  if why_not:
    raise RuntimeError(f'Not launching on the host network: {why_not}')

  def kill_session():
    time.sleep(max(0.0, launch_time + seconds + WATCHDOG_MARGIN_SECONDS -
                   time.time()))
    _kill_session(os.getsid(0), exclude=os.getpid())
    os.kill(os.getpid(), signal.SIGKILL)
  threading.Thread(target=kill_session, daemon=True).start()

  rows_path = os.path.join(logdir, ROWS_FILE)
  # pylint: disable=g-import-not-at-top
  import ray
  # pylint: enable=g-import-not-at-top
  ray.init(address='local', num_cpus=NUM_CPUS, include_dashboard=False,
           object_store_memory=OBJECT_STORE_BYTES,
           _node_ip_address='127.0.0.1',
           _temp_dir=os.path.join(logdir, 'ray'))
  try:
    algorithm = _make_config(seed).build()
    _write_row(rows_path, {'event': 'built', 'unix_time': time.time()})
    rounds = []
    while True:
      result = algorithm.train()
      now = time.time()
      evaluation = result['evaluation']
      rounds.append(evaluation['episode_reward_mean'])
      _write_row(rows_path, {
          'event': 'iteration',
          'unix_time': now,
          'iteration': result['training_iteration'],
          'env_steps': result['num_env_steps_sampled'],
          'eval_return': evaluation['episode_reward_mean'],
          'eval_episodes': evaluation['episodes_this_iter'],
          'train_return': result['sampler_results']['episode_reward_mean'],
          'iteration_s': result['time_this_iter_s'],
      })
      window = rounds[-WINDOW_ROUNDS:]
      if (len(window) == WINDOW_ROUNDS and
          sum(window) / WINDOW_ROUNDS >= THRESHOLD):
        break
      if now - launch_time >= seconds:
        break
    algorithm.stop()
  finally:
    ray.shutdown()


def _first_time(rows, threshold: float, window: int) -> Optional[float]:
  """Unix time of the first row ending `window` rows whose mean evaluation
  return reaches `threshold`; None if none does."""
  for i in range(window - 1, len(rows)):
    returns = [r['eval_return'] for r in rows[i - window + 1:i + 1]]
    if sum(returns) / window >= threshold:
      return rows[i]['unix_time']
  return None


def run(seconds: float, seed: int) -> Dict[str, Any]:
  """Runs RLlib's PPO for at most `seconds`; returns its figures."""
  logdir = tempfile.mkdtemp(prefix='rllib_ppo_peer_')
  env = {**os.environ, 'HOME': logdir, 'PYTHONPATH': launches.REPO,
         'RAY_USAGE_STATS_ENABLED': '0', 'TF_CPP_MIN_LOG_LEVEL': '2'}
  peak = {'rss': 0, 'pss': 0}
  stop = threading.Event()
  output_path = os.path.join(logdir, 'launch.log')
  with open(output_path, 'w') as output:
    start = time.time()
    process = subprocess.Popen(
        [sys.executable, '-m', 'benchmarks.rllib_ppo_peer',
         f'--seconds={seconds}', f'--seed={seed}',
         f'--launcher_logdir={logdir}', f'--launch_time={start!r}'],
        cwd=launches.REPO, env=env, stdout=output, stderr=subprocess.STDOUT,
        start_new_session=True)
    sampler = threading.Thread(target=launches.sample_memory,
                               args=(process.pid, stop, peak), daemon=True)
    sampler.start()
    try:
      process.wait(timeout=seconds + SHUTDOWN_GRACE_SECONDS)
      launcher_exit = process.returncode
    except subprocess.TimeoutExpired:
      launcher_exit = None
    finally:
      stop.set()
      # After ray.shutdown() Ray's processes may take a moment to exit.
      deadline = time.time() + 10
      while time.time() < deadline and _session_pids(process.pid):
        time.sleep(0.5)
      left = _kill_session(process.pid)
      try:
        process.wait(timeout=5)
      except subprocess.TimeoutExpired:
        pass
  path = os.path.join(logdir, ROWS_FILE)
  events = []
  if os.path.exists(path):
    with open(path) as f:
      events = [json.loads(line) for line in f if line.endswith('\n')]
  rows = [e for e in events if e['event'] == 'iteration']
  if not rows:
    with open(output_path) as f:
      raise RuntimeError(f'No training iteration; launcher exit '
                         f'{launcher_exit}:\n{f.read()[-3000:]}')
  built = [e['unix_time'] for e in events if e['event'] == 'built']
  first, last = rows[0], rows[-1]
  span = last['unix_time'] - first['unix_time']
  since_start = lambda t: None if t is None else t - start
  return {
      'seed': seed,
      'mean3_at_threshold_s': since_start(
          _first_time(rows, THRESHOLD, WINDOW_ROUNDS)),
      'built_s': since_start(built[0]),
      'first_iteration_s': since_start(first['unix_time']),
      'env_steps_per_s': (float('nan') if span <= 0 else
                          (last['env_steps'] - first['env_steps']) / span),
      'env_steps': last['env_steps'],
      'iterations': len(rows),
      'last_eval_returns': [round(r['eval_return'], 1) for r in rows[-3:]],
      'eval_episodes_per_round': sorted({r['eval_episodes'] for r in rows}),
      'last_train_return': last['train_return'],
      'peak_rss_gib': peak['rss'] / 2**30,
      'peak_pss_gib': peak['pss'] / 2**30,
      'launcher_exit': launcher_exit,
      'processes_left': left,
      'logdir': logdir,
  }


def _row(result: Dict[str, Any]) -> str:
  fmt = lambda x: 'not reached' if x is None else f'{x:.1f}'
  return (f"| RLlib {_ray_version()} PPO (tf2) | {result['seed']} | "
          f"{fmt(result['mean3_at_threshold_s'])} | "
          f"{result['built_s']:.1f} | {result['first_iteration_s']:.1f} | "
          f"{result['env_steps_per_s']:,.0f} | "
          f"{result['last_eval_returns'][-1]:.1f} | "
          f"{result['last_train_return']:.1f} | "
          f"{result['peak_rss_gib']:.2f} | {result['peak_pss_gib']:.2f} |")


def _ray_version() -> str:
  from importlib import metadata  # pylint: disable=g-import-not-at-top
  return metadata.version('ray')


def main():
  parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
  parser.add_argument('--seconds', type=float, default=300.0,
                      help='Wall-clock budget from the launch, per seed.')
  parser.add_argument('--seed', type=int, default=0, help='First seed.')
  parser.add_argument('--seeds', type=int, default=1,
                      help='Runs seeds seed .. seed + seeds - 1, one by one.')
  # Internal: set by `run` for the launcher process it starts.
  parser.add_argument('--launcher_logdir', help=argparse.SUPPRESS)
  parser.add_argument('--launch_time', type=float, help=argparse.SUPPRESS)
  args = parser.parse_args()
  if args.launcher_logdir:
    _run_launcher(args.launcher_logdir, args.seed, args.seconds,
                  args.launch_time)
    return
  if args.seconds <= 0 or args.seeds < 1:
    raise ValueError(f'--seconds={args.seconds} must be > 0 and '
                     f'--seeds={args.seeds} >= 1.')
  results = []
  for seed in range(args.seed, args.seed + args.seeds):
    results.append(run(args.seconds, seed))
    print(results[-1], flush=True)
  print(f'\n{ENVIRONMENT}, {NUM_WORKERS} workers x {ENVS_PER_WORKER} '
        f'environments, {NUM_CPUS} CPUs, budget {args.seconds:.0f} s; seconds '
        f'from launch to the first {WINDOW_ROUNDS}-round mean >= '
        f'{THRESHOLD:g} ({EVAL_EPISODES} sampled episodes a round):\n')
  print('| program | seed | s to 475 | built s | first iteration s | '
        'env steps/s | last round | train return | peak RSS GiB | '
        'peak PSS GiB |')
  print('|---|---|---|---|---|---|---|---|---|---|')
  for result in results:
    print(_row(result))
  reached = [r['mean3_at_threshold_s'] for r in results
             if r['mean3_at_threshold_s'] is not None]
  if len(reached) > 1:
    print(f'\nmean ± std over {len(reached)} of {len(results)} seeds: '
          f'{statistics.mean(reached):.1f} ± '
          f'{statistics.stdev(reached):.1f} s')
  left = [p for r in results for p in r['processes_left']]
  if left:
    print(f'warning: processes left: {left}', file=sys.stderr)
    sys.exit(1)


if __name__ == '__main__':
  main()
