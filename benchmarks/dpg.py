"""Ape-X DPG and DPG-R on continuous control, 2 cores.

  .venv/bin/python -m benchmarks.dpg [--quick] [--record] [--part=NAME]

Each row is a real local_mp launch (isolated network namespace), measured
by `benchmarks.dqn_family.run_program`: actor env steps/s (all actors,
from the first step), learner updates/s (learner 0's), seconds from launch
to the first env step and to the first evaluator round at the threshold
and to the smoothed stop (mean of 3 rounds), the mean of the last 3 rounds,
peak memory (sums of RSS and PSS over the launch's processes).

Parts:
  pendulum      Ape-X DPG (2 actors) and DPG-R (1 actor, R = 1; and 2
                asynchronous workers) to -200 on Pendulum-v1, seeds 1 and 2.
                rl-baselines3-zoo's DDPG: -152 +- 94 after 20k env steps;
                random play about -1,200.
  replay_ratio  DPG-R on Pendulum at a fixed budget of env steps
                (ENV_STEPS) for R in 1, 4, 16, seeds 1 and 2: the last 3
                rounds' mean.
  workers       ADPG-R on Pendulum with 1, 2 and 4 asynchronous workers at
                one budget of env steps (WORKER_ENV_STEPS, all workers).
  reach_push    DPG-R (2 actors) on the sparse pushing task, up to
                REACH_PUSH_SECONDS or a 3-round mean of 60, with and
                without shaping + instructive starts (the
                evaluator always plays the sparse task: its return counts
                the steps the block spends in the goal; the scripted push
                scores ~87, random 0).
  cartpole      Ape-X DPG on dm_control cartpole/balance to 900, and its
                cartpole/swingup curve over a fixed time.
The last column samples the evaluator's curve: the latest round's return at
each whole minute of the launch. `--quick` runs Ape-X DPG on Pendulum once.
`--record` appends the tables to benchmarks/results.md.
"""

import argparse

from benchmarks import dqn_family
from benchmarks import launches

# The replay-ratio part's budget (7.5 Pendulum episodes) and table minimum:
# learning starts after MIN_REPLAY env steps (with the default 1,000 = the
# budget, no update ever happened and the stop reached a learner still being
# built). R = 16 makes ~24k updates.
ENV_STEPS = 1_500
MIN_REPLAY = 256
# The workers part's budget: ADPG-R at R = 1 with one worker reaches -200
# after ~4,000 updates.
WORKER_ENV_STEPS = 6_000
# reach_push's budget: with task design one 600-s run's rounds rose from 0
# (to 4 min) to 20-69 in its last 2 minutes.
REACH_PUSH_SECONDS = 900
TASK_DESIGN = ['--hparam=shaped_reward=true',
               '--hparam=instructive_start_probability=0.5']
SEEDS = (1, 2)
# (part, label, program, env, actors, threshold, budget s, flags); a
# threshold of None runs to the budget of env steps or seconds.
CASES = (
    [('pendulum', f'Ape-X DPG, seed {s}', 'apex_dpg', 'pendulum', 2, -200,
      150, [f'--seed={s}']) for s in SEEDS] +
    [('pendulum', f'DPG-R R=1, seed {s}', 'dpg_r', 'pendulum', 1, -200, 150,
      [f'--seed={s}']) for s in SEEDS] +
    [('pendulum', 'ADPG-R, 2 workers, seed 1', 'dpg_r', 'pendulum', 2, -200,
      180, ['--seed=1', '--hparam=asynchronous_workers=true'])] +
    [('replay_ratio', f'DPG-R R={r}, seed {s}', 'dpg_r', 'pendulum', 1,
      None, 1200, [f'--seed={s}', f'--hparam=replay_ratio={r}',
                   f'--hparam=min_replay_size={MIN_REPLAY}',
                   f'--max_actor_steps={ENV_STEPS}'])
     for r in (1, 4, 16) for s in SEEDS] +
    [('workers', f'ADPG-R, {n} worker{"s" * (n > 1)}, seed 1', 'dpg_r',
      'pendulum', n, None, 600,
      ['--seed=1', '--hparam=asynchronous_workers=true',
       f'--hparam=min_replay_size={MIN_REPLAY}',
       f'--max_actor_steps={WORKER_ENV_STEPS}'])
     for n in (1, 2, 4)] +
    [('reach_push', f'DPG-R{" + task design" if design else ""}, seed 1',
      'dpg_r', 'reach_push', 2, 60, REACH_PUSH_SECONDS,
      ['--seed=1'] + design)
     for design in (TASK_DESIGN, [])] +
    [('cartpole', 'Ape-X DPG, seed 1', 'apex_dpg', 'cartpole/balance', 2,
      900, 300, ['--seed=1']),
     ('cartpole', 'Ape-X DPG, seed 1', 'apex_dpg', 'cartpole/swingup', 2,
      None, 300, ['--seed=1'])]
)


def _curve(points):
  """The latest return at each whole minute: '1m -812, 2m -240'."""
  marks = []
  for minute in range(1, int(max([t for t, _ in points] or [0]) // 60) + 1):
    before = [r for t, r in points if t <= 60 * minute]
    if before:
      marks.append(f'{minute}m {before[-1]:.0f}')
  return ', '.join(marks)


def _table(results):
  lines = ['| part | run | env steps | learner updates | env steps/s | '
           'updates/s | first step (s) | first round >= threshold (s) | '
           '3-round mean >= threshold (s) | last 3-round mean | '
           'peak RSS sum (GiB) | peak PSS sum (GiB) | exit | curve |',
           '|' + '---|' * 14]
  fmt = lambda x: 'no' if x is None else f'{x:.0f}'
  goal = lambda t: '' if t is None else f', >= {t:g}'
  for r in results:
    lines.append(
        f"| {r['part']} ({r['env']}{goal(r['threshold'])}) | {r['label']} | "
        f"{r['actor_steps']:,} | {r['learner_steps']:,} | "
        f"{r['actor_steps_per_s']:,.0f} | {r['learner_steps_per_s']:.0f} | "
        f"{r['first_step_s']:.1f} | {fmt(r['solved_s'])} | "
        f"{fmt(r['stopped_s'])} | {r['last_return']:.1f} | "
        f"{r['peak_rss_gib']:.2f} | {r['peak_pss_gib']:.2f} | {r['exit']} | "
        f"{_curve(r['curve'])} |")
  return '\n'.join(lines)


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--quick', action='store_true',
                      help='Ape-X DPG on Pendulum once.')
  parser.add_argument('--record', action='store_true',
                      help='Append the figures to benchmarks/results.md.')
  parser.add_argument('--part', choices=sorted({c[0] for c in CASES}),
                      help='Only this part.')
  args = parser.parse_args()
  cases = [c for c in CASES if args.part in (None, c[0])]
  if args.quick:
    cases = CASES[:1]
  results = []
  for part, label, program, env, actors, threshold, budget, flags in cases:
    # A threshold of None: the run stops at its budget, not a return.
    target = 1e9 if threshold is None else threshold
    result = dqn_family.run_program(program, actors, None, env=env,
                                    threshold=target, budget_seconds=budget,
                                    flags=flags)
    result.update(part=part, label=label, threshold=threshold)
    print(result, flush=True)
    results.append(result)
  text = _table(results)
  print(text)
  if args.record:
    launches.record('Ape-X DPG and DPG-R, continuous control' +
                    (f' ({args.part})' if args.part else ''), text)


if __name__ == '__main__':
  main()
