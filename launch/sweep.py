"""`python -m launch ... --seeds=N`: the same launch with N seeds, one after
the other, each in `<logdir>/seed_<s>`, then mean and spread over seeds.

Runs are sequential: on a small machine, runs side by side would share the
cores and measure each other. Each run is a launch of its own (its own
process, namespace, budget and exit code), started with the flags given,
`--seed=<base + i>` and its own logdir.
"""

import math
import os
import subprocess
import sys
from typing import List, Optional, Sequence, Tuple

from launch import plot
from launch import summary

EXCLUDED_FLAGS = ('seeds', 'seed', 'logdir')
# After a Ctrl-C, how long the sweep waits for the run it started: the
# launcher's own notice to its nodes (launch/__main__.py's
# LAUNCHER_NOTICE_SECONDS, 30 s) and a margin.
STOP_WAIT_SECONDS = 45


def flag_args(flag_values) -> List[str]:
  """The flags given explicitly in `flag_values` (absl FlagValues), as
  `--name=value` arguments for a run of the sweep: without --seeds, --seed
  and --logdir, which the sweep sets per run.

  Raises:
    ValueError: --hparam=seed=..., which would give every run one seed.
  """
  out = []
  for name in flag_values.flag_values_dict():
    if flag_values[name].present and name not in EXCLUDED_FLAGS:
      out.extend(flag_values[name].serialize().split('\n'))
  if any(arg.replace(' ', '').startswith('--hparam=seed=') for arg in out):
    raise ValueError('--hparam=seed=... with --seeds would give every run '
                     'the same agent seed; use --seed for the first one.')
  return out


def seed_logdir(logdir: str, seed: int) -> str:
  return os.path.join(logdir, f'seed_{seed}')


def commands(flag_args: Sequence[str], seeds: int, base_seed: int,
             logdir: str) -> List[List[str]]:
  """One `python -m launch` command per seed; `flag_args` are the given
  flags as `--name=value`, without --seeds, --seed and --logdir."""
  return [[sys.executable, '-m', 'launch', *flag_args, f'--seed={seed}',
           f'--logdir={seed_logdir(logdir, seed)}']
          for seed in range(base_seed, base_seed + seeds)]


def mean_std(values: Sequence[float]) -> Tuple[float, float]:
  """Mean and (population) standard deviation of a non-empty sequence."""
  mean = sum(values) / len(values)
  return mean, math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))


def _spread(values: Sequence[float]) -> str:
  mean, std = mean_std(values)
  return (f'mean {mean:.4g}, std {std:.3g}, min {min(values):.4g}, '
          f'max {max(values):.4g}')


def report(logdirs: Sequence[str], target_return: Optional[float]
           ) -> List[str]:
  """Mean and spread over the runs in `logdirs` (one per seed): best and
  last evaluator return, time to the target."""
  evaluated = [summary.rounds(logdir) for logdir in logdirs]
  ran = [r for r in evaluated if r]
  out = [f'{len(logdirs)} seeds, {len(ran)} with evaluator rounds']
  if not ran:
    return out
  out.append('best return: ' + _spread([max(v for _, v in r) for r in ran]))
  out.append('last return: ' + _spread([r[-1][1] for r in ran]))
  if target_return is not None:
    times = [summary.target_times(r, target_return)[1] for r in evaluated]
    reached = [t for t in times if t is not None]
    line = (f'target {target_return:g} (mean of 3 rounds): reached by '
            f'{len(reached)} of {len(logdirs)} seeds')
    if reached:
      line += '; seconds to it: ' + _spread(reached)
    out.append(line)
  return out


def run(flag_args: Sequence[str], seeds: int, base_seed: int, logdir: str,
        target_return: Optional[float]) -> int:
  """Runs every seed, prints the spread and writes the overlay plots;
  0 if every run exited with 0."""
  codes = []
  for command in commands(flag_args, seeds, base_seed, logdir):
    print(f'[sweep] {" ".join(command[1:])}', flush=True)
    process = subprocess.Popen(command)
    try:
      codes.append(process.wait())
    except KeyboardInterrupt:
      # The run got the Ctrl-C too (same process group) and is stopping
      # its nodes within the launcher's notice: let it finish that.
      print('[sweep] interrupted; waiting for the run to stop', flush=True)
      try:
        process.wait(timeout=STOP_WAIT_SECONDS)
      except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
      return 130
  logdirs = [seed_logdir(logdir, seed)
             for seed in range(base_seed, base_seed + seeds)]
  for line in report(logdirs, target_return):
    print(f'[sweep] {line}', flush=True)
  ran = [d for d in logdirs if os.path.isdir(d)]
  paths = plot.overlay(ran, os.path.join(logdir, plot.PLOTS_DIR)) if ran else []
  if paths:
    print(f'[sweep] seeds overlaid (mean, min to max): {", ".join(paths)}',
          flush=True)
  print(f'[sweep] exit codes: {codes}', flush=True)
  return 0 if all(code == 0 for code in codes) else 1
