"""multi_host benchmark: IMPALA on Catch, one host vs two hosts.

  .venv/bin/python -m benchmarks.multi_host [--quick] [--record]

Two processes either way (the learner with replay, counter, variable server
and evaluator | the 2 actors, `--colocate`), with the same seed and time
budget:
  one host   local_mp in its private network namespace;
  two hosts  multi_host over two test hosts (network namespaces joined by a
             bridge, tests/namespaces.py): the learner's process on
             `trainer`, the actors' on `sampler`.
Reports env steps/s and learner updates/s over the run after the first env
step, seconds from launch to the first env step and to the evaluator's
first round >= 0.9, and, for two hosts, the bytes per second that crossed
the bridge (both directions, from the trainer's bridge port counters).
Both hosts share this machine's 2 cores: the figures show the cost of the
network path (Courier and Reverb over veth instead of loopback), not a gain.
"""

import json
import os
import subprocess
import sys
import tempfile
import time

from benchmarks import launches
from tests import namespaces

THRESHOLD = 0.9
SEED = 1
COLOCATE = 'replay+learner+counter+variable_server+evaluator,actor'
COMMON = ['--program=impala', '--env=catch', '--num_actors=2',
          f'--seed={SEED}']


def _figures(name, logdir, output, returncode, seconds_budget, bridge=None):
  learner = launches.read_csv(os.path.join(logdir, 'learner.csv'))
  evaluator = launches.read_csv(os.path.join(logdir, 'evaluator.csv'))
  run = launches.Run(returncode, output, logdir, 0.0, 0.0)
  last = learner[-1]
  run_seconds = float(last['walltime_s']) - run.first_step_s
  solved = next((float(r['walltime_s']) for r in evaluator
                 if float(r['episode_return']) >= THRESHOLD), None)
  return {
      'name': name, 'exit': returncode,
      'env_steps_per_s': float(last['actor_steps']) / run_seconds,
      'learner_steps_per_s': float(last['learner_steps']) / run_seconds,
      'first_step_s': run.first_step_s, 'solved_s': solved,
      'bridge_bytes_per_s': (bridge / seconds_budget if bridge is not None
                             else None),
  }


def one_host(budget_seconds):
  run = launches.launch(COMMON + [f'--colocate={COLOCATE}'], budget_seconds)
  return _figures('one host (local_mp)', run.logdir, run.output,
                  run.returncode, budget_seconds)


def _bridge_bytes(hosts, port='p0'):
  total = 0
  for counter in ('rx_bytes', 'tx_bytes'):
    total += int(subprocess.run(
        ['ip', 'netns', 'exec', hosts.switch, 'cat',
         f'/sys/class/net/{port}/statistics/{counter}'],
        check=True, capture_output=True, text=True).stdout)
  return total


def two_hosts(budget_seconds):
  logdir = tempfile.mkdtemp(prefix='bench_multi_host_')
  with namespaces.Hosts(['trainer', 'sampler']) as hosts:
    config = {'program': 'impala', 'environment': 'catch', 'num_actors': 2,
              'seed': SEED, 'max_seconds': budget_seconds,
              'colocate': [g.split('+') for g in COLOCATE.split(',')],
              'launch_type': 'multi_host',
              'cluster': {'hosts': dict(hosts.addresses),
                          'placement': {'actor': 'sampler'}}}
    path = os.path.join(logdir, 'cluster.json')
    with open(path, 'w') as f:
      json.dump(config, f)
    before = _bridge_bytes(hosts)
    processes, logs = {}, {}
    for name in ('sampler', 'trainer'):
      logs[name] = tempfile.TemporaryFile('w+')
      processes[name] = subprocess.Popen(
          hosts.exec(name) + [sys.executable, '-m', 'launch',
                              f'--config={path}', f'--host={name}',
                              f'--logdir={os.path.join(logdir, "run")}'],
          cwd=launches.REPO, stdout=logs[name], stderr=subprocess.STDOUT,
          start_new_session=True)
    codes = {}
    try:
      for name, process in processes.items():
        codes[name] = process.wait(timeout=budget_seconds + 240)
    finally:
      for process in processes.values():
        for leftover in launches.session_processes(process.pid):
          leftover.kill()
    crossed = _bridge_bytes(hosts) - before
  outputs = {}
  for name, log in logs.items():
    log.seek(0)
    outputs[name] = log.read()
    log.close()
  return _figures('two hosts (multi_host)', os.path.join(logdir, 'run'),
                  outputs['sampler'] + outputs['trainer'],
                  max(codes.values()), budget_seconds, bridge=crossed)


def _table(results):
  lines = ['| launch | env steps/s | learner updates/s | first env step (s) '
           '| solved (>= 0.9) at (s) | bridge bytes/s | exit |',
           '|---|---|---|---|---|---|---|']
  for r in results:
    solved = f'{r["solved_s"]:.0f}' if r['solved_s'] is not None else 'no'
    bridge = (f'{r["bridge_bytes_per_s"] / 1e6:.2f} MB/s'
              if r['bridge_bytes_per_s'] is not None else '-')
    lines.append(f'| {r["name"]} | {r["env_steps_per_s"]:,.0f} | '
                 f'{r["learner_steps_per_s"]:.1f} | {r["first_step_s"]:.1f} | '
                 f'{solved} | {bridge} | {r["exit"]} |')
  return '\n'.join(lines)


def main():
  args = launches.parse_args('45 s runs instead of 90 s.')
  why_not = namespaces.available()
  if why_not:
    sys.exit(f'benchmarks.multi_host: {why_not}')
  budget = 45 if args.quick else 90
  results = []
  for run in (one_host, two_hosts):
    results.append(run(budget))
    print(results[-1], flush=True)
    time.sleep(5)  # Let the last run's processes go.
  table = _table(results)
  print(table)
  if args.record:
    launches.record(
        'multi_host: IMPALA on Catch, 2 actors, 2 processes, seed '
        f'{SEED}, {budget} s', table)


if __name__ == '__main__':
  main()
