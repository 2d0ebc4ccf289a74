"""Every registered program on every task it fits, one table:
`python -m benchmarks` (`make bench`).

  python -m benchmarks [--quick] [--program=P] [--task=T] [--seeds=N]
                       [--seconds=S] [--record]

Each (program, task) runs as a user would launch it: `python -m launch
--program=P --env=T --num_actors=2 --seed=s` (local_mp, isolated, the
task's preset), for the task's budget and without a target stop, so that
the final return shows whether a run holds what it reached. Per run, from
its logs and from sampling its processes every second:
  env steps/s       all actors, from the first env step to the last row;
  ratio             to the single-process ceiling measured in this
                    benchmark: one process stepping 32 copies of the task
                    with random actions, no network, no Launchpad;
  updates/s         learner steps over the same span;
  time to threshold seconds from launch to the first mean of 3 evaluator
                    rounds >= the task's threshold (the launcher's stop
                    rule);
  final return      the last evaluator round;
  first env step    seconds from launch;
  last log row      seconds from launch to the last CSV row: about the
                    budget, or when a map-reduce program converged;
  peak memory       sum of RSS over the run's processes;
  exit code.
With --seeds=N every figure is the mean over N seeds with its standard
deviation. --record appends the table (with the commit, date, core count
and the seeds) to benchmarks/results.md, and the curves of each task (return
against time and env steps, loss), all programs overlaid (`launch.plot`),
to benchmarks/plots/.
"""

import argparse
import dataclasses
import math
import os
import shutil
import subprocess
import time
from typing import Dict, List, Optional, Sequence, Tuple

from benchmarks import launches
from launch import summary
from launch import sweep

NUM_ACTORS = 2
CEILING_SECONDS = 5.0
CEILING_ENVS = 32


@dataclasses.dataclass(frozen=True)
class Task:
  """A task of the benchmark: its threshold and budgets."""
  threshold: Optional[float]  # None: no evaluator return (map-reduce).
  seconds: float  # The budget of a full run.
  quick_seconds: Optional[float]  # In --quick; None: not in --quick.
  # Only these programs run it (the map-reduce tasks are those programs'
  # reference problems); empty: every program that fits.
  only: Tuple[str, ...] = ()


# Thresholds as the issues set them: Catch solved, CartPole-v1's 475,
# Pendulum's -200, tic-tac-toe without a loss to perfect play; the
# map-reduce tasks end when they converge.
TASKS = {
    'catch': Task(0.9, 60, 45),
    'cartpole': Task(475.0, 150, None),
    'pendulum': Task(-200.0, 90, 60),
    'chain_walk': Task(None, 60, 60, only=('lspi',)),
    'grid_world': Task(None, 120, 60, only=('value_iteration',)),
    # The evaluator's return: the score against perfect play (0: no loss).
    'tic_tac_toe': Task(0.0, 300, 90, only=('alphazero',)),
}


def fits(program: str, task: str) -> bool:
  """True if `program` builds on `task` (the launch layer's own check)
  and the task is not reserved for other programs."""
  # pylint: disable=g-import-not-at-top
  from launch import config as config_lib
  if TASKS[task].only and program not in TASKS[task].only:
    return False
  try:
    config_lib.build(config_lib.LaunchConfig(
        program=program, environment=task, num_actors=NUM_ACTORS,
        max_seconds=1, launch_type='test_mt'))
  except ValueError:
    return False
  return True


def cases(programs: Sequence[str], tasks: Sequence[str],
          quick: bool) -> List[Tuple[str, str]]:
  """(program, task) pairs to run: every fitting pair; in quick mode the
  quick tasks only, one per program."""
  out = []
  for program in programs:
    fitting = [task for task in tasks if fits(program, task) and
               (not quick or TASKS[task].quick_seconds is not None)]
    out.extend((program, task) for task in (fitting[:1] if quick else fitting))
  return out


def ceiling(task: str, seconds: float = CEILING_SECONDS) -> Optional[float]:
  """Env steps/s of one process stepping CEILING_ENVS copies of `task`
  with uniformly random actions; None for the tasks of particular
  programs (models, games: no environment to step)."""
  # pylint: disable=g-import-not-at-top
  import numpy as np
  from agents.common import batched_environments
  if TASKS[task].only:
    return None
  environment = batched_environments.make_batched_environment(
      task, CEILING_ENVS, seed=0)
  rng = np.random.default_rng(0)
  environment.reset()
  steps, start = 0, time.time()
  while time.time() - start < seconds:
    if environment.num_actions is None:
      actions = rng.uniform(environment.action_minimum,
                            environment.action_maximum,
                            (environment.num_envs,) +
                            environment.action_shape).astype(np.float32)
    else:
      actions = rng.integers(environment.num_actions, size=environment.num_envs)
    environment.step(actions)
    steps += environment.num_envs
  return steps / (time.time() - start)


def _last(rows: List[Dict[str, str]], key: str) -> Optional[float]:
  values = [float(row[key]) for row in rows if row.get(key) not in (None, '')]
  return values[-1] if values else None


def figures(run: launches.Run, threshold: Optional[float]) -> Dict[str, float]:
  """The table's figures of one finished run (NaN where they do not
  apply)."""
  nan = float('nan')
  out = {'exit': run.returncode, 'first_step_s': run.first_step_s,
         'peak_rss_gib': run.peak_rss_gib, 'env_steps_per_s': nan,
         'updates_per_s': nan, 'threshold_s': nan, 'final_return': nan,
         'wall_s': nan}
  csvs = sorted(n for n in os.listdir(run.logdir) if n.endswith('.csv'))
  rows = {name[:-4]: run.csv(name[:-4]) for name in csvs}
  last_time = max((_last(r, 'walltime_s') or 0.0 for r in rows.values()),
                  default=nan)
  out['wall_s'] = last_time
  span = last_time - run.first_step_s
  if span > 0:
    steps = max((_last(r, 'actor_steps') or 0.0 for r in rows.values()))
    updates = max((_last(r, 'learner_steps') or 0.0 for r in rows.values()))
    out['env_steps_per_s'] = steps / span if steps else nan
    out['updates_per_s'] = updates / span if updates else nan
  evaluated = summary.rounds(run.logdir)
  if evaluated:
    out['final_return'] = evaluated[-1][1]
    if threshold is not None:
      reached = summary.target_times(evaluated, threshold)[1]
      out['threshold_s'] = reached if reached is not None else math.inf
  return out


def cell(values: Sequence[float], digits: int = 0, thousands: bool = False
         ) -> str:
  """'mean' or 'mean ± std' over seeds; '—' where nothing applies. For
  times to threshold an infinite value is a seed that never reached it:
  the mean is over those that did, with 'k/n'."""
  if all(math.isnan(v) for v in values):
    return '—'
  reached = [v for v in values if not math.isinf(v)]
  if len(reached) < len(values):
    if not reached:
      return 'no'
    return cell(reached, digits, thousands) + f' ({len(reached)}/{len(values)})'
  finite = [v for v in values if not math.isnan(v)]
  mean, std = sweep.mean_std(finite)
  form = f'{{:{"," if thousands else ""}.{digits}f}}'
  text = form.format(mean)
  return text + (f' ± {form.format(std)}' if len(values) > 1 else '')


HEADER = ('| program | task | seeds | env steps/s | ratio to ceiling | '
          'updates/s | time to threshold (s) | final return | '
          'first env step (s) | last log row (s) | peak RSS (GiB) | exit |')


def table(results: Dict[Tuple[str, str], List[Dict[str, float]]],
          ceilings: Dict[str, Optional[float]]) -> str:
  """The markdown table: a row per (program, task), seeds aggregated."""
  lines = [HEADER, '|' + '---|' * 12]
  for (program, task), runs in results.items():
    column = lambda key: [run[key] for run in runs]  # pylint: disable=cell-var-from-loop
    ratio = [math.nan if not ceilings.get(task) else v / ceilings[task]
             for v in column('env_steps_per_s')]
    threshold = TASKS[task].threshold
    lines.append(
        f'| {program} | {task}' +
        (f' (>= {threshold:g})' if threshold is not None else '') +
        f' | {len(runs)} | {cell(column("env_steps_per_s"), thousands=True)}'
        f' | {cell(ratio, 2)} | {cell(column("updates_per_s"), 1)} | '
        f'{cell(column("threshold_s"))} | {cell(column("final_return"), 2)} '
        f'| {cell(column("first_step_s"), 1)} | {cell(column("wall_s"), 1)} | '
        f'{cell(column("peak_rss_gib"), 2)} | '
        f'{" ".join(str(int(v)) for v in column("exit"))} |')
  lines.append('')
  lines.append('Ceilings (1 process, 32 copies, random actions, env steps/s): '
               + ', '.join(f'{task} {value:,.0f}'
                           for task, value in ceilings.items() if value))
  return '\n'.join(lines)


def commit() -> str:
  """The checkout's commit, marked '-dirty' with uncommitted changes."""
  def git(*args):
    return subprocess.run(['git', *args], cwd=launches.REPO, text=True,
                          capture_output=True, check=False).stdout.strip()
  head = git('rev-parse', '--short', 'HEAD') or 'unknown'
  return head + ('-dirty' if git('status', '--porcelain', '-uno') else '')


def parse_args(argv: Optional[Sequence[str]] = None) -> argparse.Namespace:
  import programs  # pylint: disable=g-import-not-at-top
  parser = argparse.ArgumentParser(prog='python -m benchmarks')
  parser.add_argument('--quick', action='store_true',
                      help='One quick task per program, short budgets '
                      f'(~{len(programs.PROGRAMS) * 45 // 60} minutes).')
  parser.add_argument('--program', action='append',
                      choices=sorted(programs.PROGRAMS),
                      help='Only this program (repeatable).')
  parser.add_argument('--task', action='append', choices=sorted(TASKS),
                      help='Only this task (repeatable).')
  parser.add_argument('--seeds', type=int, default=1,
                      help='Seeds per (program, task): 1, 2, ...')
  parser.add_argument('--seconds', type=float, default=None,
                      help="Every run's budget (default: the task's).")
  parser.add_argument('--record', action='store_true',
                      help='Append the table to benchmarks/results.md and '
                      'write the plots to benchmarks/plots/.')
  args = parser.parse_args(argv)
  if args.seeds < 1:
    parser.error('--seeds must be >= 1')
  return args


def main(argv: Optional[Sequence[str]] = None) -> int:
  import programs  # pylint: disable=g-import-not-at-top
  args = parse_args(argv)
  started = time.time()
  todo = cases(args.program or list(programs.PROGRAMS),
               args.task or list(TASKS), args.quick)
  if not todo:
    print('No (program, task) pair fits the selection.')
    return 2
  print(f'{len(todo)} (program, task) pairs x {args.seeds} seed(s): '
        + ', '.join(f'{p}/{t}' for p, t in todo), flush=True)
  results: Dict[Tuple[str, str], List[Dict[str, float]]] = {}
  logdirs: Dict[str, List[str]] = {}
  def budget(task: str) -> float:
    return args.seconds or (TASKS[task].quick_seconds if args.quick
                            else TASKS[task].seconds)

  for program, task in todo:
    for seed in range(1, args.seeds + 1):
      run = launches.launch([f'--program={program}', f'--env={task}',
                             f'--num_actors={NUM_ACTORS}', f'--seed={seed}'],
                            budget(task))
      result = figures(run, TASKS[task].threshold)
      print(f'{program}/{task} seed {seed}: ' + ', '.join(
          f'{k}={v:.4g}' for k, v in result.items()), flush=True)
      if run.returncode != 0:
        print(run.output[-3000:], flush=True)
      results.setdefault((program, task), []).append(result)
      logdirs.setdefault(task, []).append(run.logdir)
  ceilings = {task: ceiling(task) for task in dict.fromkeys(t for _, t in todo)}
  text = table(results, ceilings)
  mode = 'quick' if args.quick else 'full'
  heading = (f'commit {commit()}, {os.cpu_count()} cores, {mode} budgets ('
             + ', '.join(f'{task} {budget(task):g} s' for task in ceilings) +
             f'), {NUM_ACTORS} actors, {args.seeds} seed(s) per row '
             f'(mean ± std over seeds), {time.time() - started:.0f} s in all.')
  print(heading)
  print(text)
  if args.record:
    plots = _plots(logdirs)
    launches.record('Every program (python -m benchmarks)',
                    heading + '\n\n' + text + ''.join(
                        f'\n\n![{os.path.basename(p)}](plots/'
                        f'{os.path.basename(p)})' for p in plots))
  for task_dirs in logdirs.values():
    for logdir in task_dirs:
      shutil.rmtree(logdir, ignore_errors=True)
  return 0 if all(r['exit'] == 0 for runs in results.values()
                  for r in runs) else 1


def _plots(logdirs: Dict[str, List[str]]) -> List[str]:
  """Per task, every program's return curves overlaid, in benchmarks/plots/
  as <task>_<curve>.png."""
  from launch import plot  # pylint: disable=g-import-not-at-top
  out_dir = os.path.join(launches.REPO, 'benchmarks', 'plots')
  written = []
  for task, dirs in logdirs.items():
    if TASKS[task].threshold is None:
      continue
    for path in plot.overlay(dirs, out_dir):
      named = os.path.join(out_dir, f'{task}_{os.path.basename(path)}')
      os.replace(path, named)
      written.append(named)
  return written
