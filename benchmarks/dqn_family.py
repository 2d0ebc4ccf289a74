"""DQN / Ape-X / Gorila benchmark on CartPole-v1, and the prioritized table.

  .venv/bin/python -m benchmarks.dqn_family [--quick] [--record]

Programs: each launched for real (local_mp, isolated) with the same budget
(BUDGET_SECONDS, stopping early once the mean of 3 evaluator rounds reaches
475); DQN, Gorila (1 learner, 2 shards) and Ape-X with 2 actors, Ape-X with
1 and 4 actors for the scaling curve, and Ape-X with 2 actors colocated in
two processes and in one (`--colocate`). Reported from the logs and from
sampling the processes every second: actor env steps/s (all actors, from
the first step), learner updates/s, replay inserts/s and samples/s (Reverb's
own counters, whole run), seconds from launch to the first evaluator round
>= 475 and to the smoothed stop, peak memory (sum of RSS and of PSS).

Table: a prioritized Reverb table (exponent 0.6, FIFO removal, 100k items)
in-process, a CartPole transition per item: inserts/s through
`TransitionWriter` in batches of 64, and samples/s of batches of 32 and 256
through the learner's dataset with a priority update (mutate_priorities) per
batch, as the Ape-X learner does.
`--record` appends both tables to benchmarks/results.md.
"""

import os
import re
import time

from benchmarks import launches

BUDGET_SECONDS = 120
THRESHOLD = 475.0
# The colocation layouts (LaunchConfig.colocate, CLI form) compared for
# Ape-X with 2 actors: a process per node, two processes, one process.
TWO_PROCESSES = 'replay+learner+counter+variable_server+evaluator,actor'
ONE_PROCESS = 'replay+learner+counter+variable_server+evaluator+actor'
CASES = (('dqn', 2, None), ('gorila', 2, None), ('apex', 1, None),
         ('apex', 2, None), ('apex', 4, None), ('apex', 2, TWO_PROCESSES),
         ('apex', 2, ONE_PROCESS))
LAYOUTS = {None: 'process per node', TWO_PROCESSES: '2 processes',
           ONE_PROCESS: '1 process'}


def run_program(program, num_actors, colocate, env='cartpole',
                threshold=THRESHOLD, budget_seconds=BUDGET_SECONDS,
                flags=()):
  """One launch of a replay-family program; its figures (module docstring).

  Also used by benchmarks/r2d2.py and benchmarks/dpg.py. `threshold` stops
  the run (mean of 3 evaluator rounds) and times the first round that
  reaches it; `flags` go to the launch as they are.
  """
  flags = [f'--program={program}', f'--env={env}',
           f'--num_actors={num_actors}', f'--target_return={threshold}'
           ] + list(flags)
  if colocate:
    flags.append(f'--colocate={colocate}')
  run = launches.launch(flags, budget_seconds)
  if not os.path.exists(os.path.join(run.logdir, 'learner.csv')):
    raise RuntimeError(f'{flags} exited {run.returncode} without a learner '
                       f'log:\n{run.output[-3000:]}')
  learner = run.csv('learner')
  last = learner[-1]
  end = float(last['walltime_s'])
  stop = [float(x) for x in re.findall(
      r'target_return=-?[\d.]+\) after ([\d.]+) s', run.output)]
  curve = [(float(r['walltime_s']), float(r['episode_return']))
           for r in run.csv('evaluator')]  # [(seconds, round's return)]
  returns = [r for _, r in curve]
  # Replay rates over the rows that have Reverb's counters (the first row
  # may come before the table answered).
  rows = [r for r in learner if r.get('replay_inserts')]
  span = max(float(rows[-1]['walltime_s']) - float(rows[0]['walltime_s']),
             1e-6)
  rate = lambda key: (float(rows[-1][key]) - float(rows[0][key])) / span
  return {
      'program': program, 'actors': num_actors, 'exit': run.returncode,
      'layout': LAYOUTS.get(colocate, colocate), 'env': env,
      'actor_steps_per_s': float(last['actor_steps']) / (
          end - run.first_step_s),
      'learner_steps_per_s': float(last['learner_steps_per_s']),
      'inserts_per_s': rate('replay_inserts'),
      'samples_per_s': rate('replay_samples'),
      'first_step_s': run.first_step_s,
      'solved_s': run.first_return_at(threshold),
      'best_return': max([sum(returns[i:i + 3]) / 3
                          for i in range(len(returns) - 2)] or [float('nan')]),
      'stopped_s': stop[0] if stop else None,
      'peak_rss_gib': run.peak_rss_gib, 'peak_pss_gib': run.peak_pss_gib,
      'last_return': (sum(returns[-3:]) / len(returns[-3:]) if returns
                      else float('nan')),
      'curve': curve,
      'actor_steps': int(float(last['actor_steps'])),
      'learner_steps': int(float(last['learner_steps'])),
  }


def table_microbenchmark(seconds=5.0):
  """inserts/s and samples/s (+ priority updates) of a prioritized table."""
  # pylint: disable=g-import-not-at-top
  from acme import datasets
  import numpy as np
  import reverb
  from agents.common import replay_samples
  from agents.dqn import config as config_lib
  from agents.dqn import transitions
  results = {}
  for batch_size in (32, 256):
    config = config_lib.ApexConfig(batch_size=batch_size,
                                   samples_per_insert=0.0,
                                   min_replay_size=1000)
    server = reverb.Server([transitions.replay_table((4,), config)])
    address = f'localhost:{server.port}'
    client = reverb.Client(address)
    writer = transitions.TransitionWriter(client, transitions.REPLAY_TABLE,
                                          lambda: False)
    rng = np.random.default_rng(0)
    batch = {'observation': rng.normal(size=(64, 4)).astype(np.float32),
             'action': rng.integers(0, 2, 64).astype(np.int32),
             'reward': np.ones(64, np.float32),
             'discount': np.full(64, 0.97, np.float32),
             'next_observation': rng.normal(size=(64, 4)).astype(np.float32)}
    inserted, start = 0, time.time()
    while time.time() - start < seconds:
      writer.write(batch, rng.uniform(size=64))
      inserted += 64
    insert_rate = inserted / (time.time() - start)
    iterator = iter(datasets.make_reverb_dataset(
        server_address=address, batch_size=batch_size,
        table=transitions.REPLAY_TABLE, num_parallel_calls=1,
        prefetch_size=1))
    priorities = replay_samples.PriorityWriter(client, transitions.REPLAY_TABLE)
    sampled, start = 0, time.time()
    while time.time() - start < seconds:
      sample = next(iterator)
      priorities.write(np.asarray(sample.info.key),
                       rng.uniform(size=batch_size))
      sampled += batch_size
    results[batch_size] = (insert_rate, sampled / (time.time() - start))
    writer.close()
    server.stop()
  return results


def _tables(results, table):
  lines = ['| program | actors | layout | env steps/s | learner updates/s | '
           'replay inserts/s | replay samples/s | first step (s) | '
           'first round >= 475 (s) | 3-round mean >= 475 (s) | '
           'peak RSS sum (GiB) | peak PSS sum (GiB) | exit |',
           '|' + '---|' * 13]
  fmt = lambda x: 'no' if x is None else f'{x:.0f}'
  for r in results:
    lines.append(
        f"| {r['program']} | {r['actors']} | {r['layout']} | "
        f"{r['actor_steps_per_s']:,.0f} | "
        f"{r['learner_steps_per_s']:.0f} | {r['inserts_per_s']:,.0f} | "
        f"{r['samples_per_s']:,.0f} | {r['first_step_s']:.1f} | "
        f"{fmt(r['solved_s'])} | {fmt(r['stopped_s'])} | "
        f"{r['peak_rss_gib']:.2f} | {r['peak_pss_gib']:.2f} | {r['exit']} |")
  lines += ['', '| batch | inserts/s (TransitionWriter, 64 per flush) | '
            'samples/s (dataset + priority update per batch) |',
            '|---|---|---|']
  for batch_size, (inserts, samples) in table.items():
    lines.append(f'| {batch_size} | {inserts:,.0f} | {samples:,.0f} |')
  return '\n'.join(lines)


def main():
  args = launches.parse_args('Ape-X with 2 actors only.')
  cases = [('apex', 2, None)] if args.quick else CASES
  results = []
  for program, actors, colocate in cases:
    result = run_program(program, actors, colocate)
    print(result, flush=True)
    results.append(result)
  text = _tables(results, table_microbenchmark())
  print(text)
  if args.record:
    launches.record('DQN family on CartPole-v1', text)


if __name__ == '__main__':
  main()
