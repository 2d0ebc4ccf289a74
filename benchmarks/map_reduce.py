"""Map-reduce RL (Li & Schuurmans 2011): value iteration on the 10^6-state
grid world and LSPI on the chain walk with K = 1, 2, 4 mappers, against the
single-process solvers.

  .venv/bin/python -m benchmarks.map_reduce [--quick] [--record]

Each program row is a real local_mp launch (isolated network namespace):
`python -m launch --program=value_iteration --env=grid_world
--num_actors=K` (defaults: 1,000 x 1,000 grid, gamma 0.95, tolerance 1e-6)
and `--program=lspi --env=chain_walk --num_actors=K` (5,000 samples). From
the reducer's CSV: sweeps (rounds), median seconds per sweep, bytes each way
per sweep; from the launch: wall time to exit, peak memory of all its
processes. The single-process rows run `agents.value_iteration.model` /
`agents.lspi.lstdq` in this process: the reducer's own loop over one
local block (`value_iteration`, tolerance 1e-6) and SciPy's stacked-matrix
value iteration (`solve_exact`) to 1e-10, the "exact" V every other V is
compared with (max difference; the target is 1e-6), each timed after
building the model.
`--quick` uses a 300 x 300 grid.
"""

import os
import re
import statistics
import time

import numpy as np

from agents.common import chain_walk
from agents.lspi import config as lspi_config
from agents.lspi import lstdq
from agents.lspi import tasks
from agents.value_iteration import config as vi_config
from agents.value_iteration import model
from benchmarks import launches
from programs.nodes import map_reduce

MAPPERS = (1, 2, 4)
# The reference's tolerance: V within this of V*, so the programs' 1e-6 is
# measured against V*, not against a loop with their own tolerance.
EXACT_TOLERANCE = 1e-10
BUDGET_SECONDS = 900


def _program_row(program, env, mappers, flags):
  run = launches.launch([f'--program={program}', f'--env={env}',
                         f'--num_actors={mappers}'] + flags, BUDGET_SECONDS)
  rows = run.csv('reducer')
  seconds = [float(r.get('sweep_seconds') or r.get('round_seconds'))
             for r in rows]
  done = [float(x) for x in re.findall(r'\[launch\] done in ([\d.]+) s',
                                       run.output)]
  return {
      'run': f'{program}, {mappers} mapper{"s" * (mappers > 1)}',
      'rounds': len(rows),
      'round_s': statistics.median(seconds[1:] or seconds),
      'first_round_at_s': float(rows[0]['walltime_s']) - seconds[0],
      'wall_s': done[0] if done else float('nan'),
      'bytes_to': float(rows[-1]['bytes_to_mappers']),
      'bytes_from': float(rows[-1]['bytes_from_mappers']),
      'rss': run.peak_rss_gib, 'pss': run.peak_pss_gib,
      'exit': run.returncode, 'logdir': run.logdir,
  }


def value_iteration_rows(grid_size):
  config = vi_config.ValueIterationConfig(grid_size=grid_size)
  started = time.time()
  whole = model.build(config)
  build_s = time.time() - started
  started = time.time()
  loop = model.value_iteration([whole], config)
  loop_s = time.time() - started
  started = time.time()
  exact = model.solve_exact(whole, config.discount, method='value_iteration',
                            tolerance=EXACT_TOLERANCE)
  exact_s = time.time() - started
  error = lambda values: np.max(np.abs(values - exact.values))
  rows = [{'run': 'one process: the reducer loop on one block',
           'rounds': loop.iterations, 'round_s': loop_s / loop.iterations,
           'wall_s': loop_s,
           'note': f'max abs(V - exact V) {error(loop.values):.1e}; model '
                   f'built in {build_s:.1f} s'},
          {'run': f'one process: SciPy stacked CSR to {EXACT_TOLERANCE:g} '
                  '("exact")',
           'rounds': exact.iterations, 'round_s': exact_s / exact.iterations,
           'wall_s': exact_s, 'note': ''}]
  for mappers in MAPPERS:
    row = _program_row('value_iteration', 'grid_world', mappers,
                       [f'--hparam=grid_size={grid_size}'])
    saved = np.load(os.path.join(row['logdir'], map_reduce.VALUES_FILE))
    row['note'] = f'max abs(V - exact V) {error(saved["values"]):.1e}'
    rows.append(row)
  return rows


def lspi_rows():
  config = lspi_config.LSPIConfig()
  started = time.time()
  shards = [tasks.make_shard('chain_walk', config, 0, 1)]
  reference = lstdq.lspi(shards, config, tasks.probe_features('chain_walk'))
  rows = [{'run': 'one process, lspi()', 'rounds': reference.iterations,
           'round_s': (time.time() - started) / reference.iterations,
           'wall_s': time.time() - started, 'note': ''}]
  for mappers in MAPPERS:
    row = _program_row('lspi', 'chain_walk', mappers, [])
    saved = np.load(os.path.join(row['logdir'], map_reduce.WEIGHTS_FILE))
    optimal = np.array_equal(saved['policy'], chain_walk.optimal_policy())
    row['note'] = (f'{"optimal" if optimal else "NOT optimal"}; max abs(w '
                   f'- one-process w) '
                   f'{np.max(np.abs(saved["weights"] - reference.weights)):.1e}')
    rows.append(row)
  return rows


def _table(rows):
  lines = ['| run | rounds | median s/round | first round at (s) | wall (s) | '
           'bytes to mappers / round | bytes from mappers / round | '
           'peak RSS (GiB) | peak PSS (GiB) | exit | note |',
           '|' + '---|' * 11]
  for r in rows:
    get = lambda k, f: f.format(r[k]) if k in r else '-'
    lines.append(
        f"| {r['run']} | {r['rounds']} | {r['round_s']:.4f} | "
        f"{get('first_round_at_s', '{:.1f}')} | {r['wall_s']:.1f} | "
        f"{get('bytes_to', '{:,.0f}')} | {get('bytes_from', '{:,.0f}')} | "
        f"{get('rss', '{:.2f}')} | {get('pss', '{:.2f}')} | "
        f"{get('exit', '{}')} | {r.get('note', '')} |")
  return '\n'.join(lines)


def main():
  args = launches.parse_args('A 300 x 300 grid instead of 1,000 x 1,000.')
  grid_size = 300 if args.quick else 1000
  text = (f'Value iteration, {grid_size:,} x {grid_size:,} grid world '
          f'({grid_size ** 2:,} states):\n\n' +
          _table(value_iteration_rows(grid_size)) +
          '\n\nLSPI, chain walk, 5,000 samples:\n\n' + _table(lspi_rows()))
  print(text)
  if args.record:
    launches.record('Map-reduce RL (issue 15)', text)


if __name__ == '__main__':
  main()
