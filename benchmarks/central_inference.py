"""Central batched inference against actors' own (issue 14; Stooke & Abbeel
2018's sampler, SEED RL's action server).

  .venv/bin/python -m benchmarks.central_inference [--part=NAME] [--record]

Parts (each launches the real programs, local_mp, isolated, seed 1, 2
actors unless said, no target stop, and reads their logs):
  throughput   IMPALA on CartPole and Catch with inference=actor,
               inference=central (sync) and central alternating, each in
               the default layout (one process per node) and, for central
               inference, with every TensorFlow node in one process
               (colocated): env steps/s, first env step after launch, peak
               RSS of the whole program, learner updates/s, time to the
               threshold.
  alternating  IMPALA with central inference on cartpole_1ms (1 ms of CPU
               per environment step), sync against alternating sampling,
               with 1 and 2 workers of 8 and 32 environments: the
               samplers' env steps/s (SAMPLING_ONLY), and the ceiling the
               environments' CPU cost sets (cores / 1 ms).
  sampling     The samplers alone: as `throughput`, but the learner's batch
               (SAMPLING_ONLY) is more unrolls than a run makes, so it
               waits in Reverb's sample without using CPU, and the
               evaluator plays one episode, once. In `throughput` each
               unroll is consumed once, so env steps/s there is the
               learner's rate (640 x updates/s) whichever sampler is
               faster; here it is the sampler's.
  start        Start-up alone: the first environment step after launch
               (the moment the first actions came back and the
               environments stepped) and peak RSS, for actors' own
               inference and for central sync and alternating with every
               TensorFlow node in one process; START_LAUNCHES launches
               per row, SAMPLING_ONLY (`--part=start --seconds=15` is
               plenty).
`--record` appends the tables to benchmarks/results.md.
"""

import argparse
import os

from agents.common import environments
from benchmarks import launches
from benchmarks import suite

THRESHOLDS = {'catch': 0.9, 'cartpole': 475.0, 'cartpole_1ms': 475.0}
TF_NODES = 'replay+learner+counter+variable_server+evaluator+action_server'
LAYOUTS = {
    'actor': ([], 'one process per node'),
    'central sync': (['--hparam=inference=central'], 'one process per node'),
    'central alternating': (['--hparam=inference=central',
                             '--hparam=central_sampling=alternating'],
                            'one process per node'),
    'central sync, colocated': (['--hparam=inference=central',
                                 f'--colocate={TF_NODES}'],
                                'TF nodes in one process'),
    'central alternating, colocated': (
        ['--hparam=inference=central', '--hparam=central_sampling=alternating',
         f'--colocate={TF_NODES}'], 'TF nodes in one process'),
}


# The alternating part's evaluator plays one episode, once: at 1 ms a step
# its default 32 episodes would burn a core and measure nothing sampled.
QUIET_EVALUATOR = ['--hparam=eval_episodes=1',
                   '--hparam=eval_period_seconds=600']
# A learner batch no run fills (a million unrolls of 20 steps): the learner
# waits in Reverb's sample and the queue never fills, so nothing slows the
# samplers down. The queue must exceed the batch (config check).
SAMPLING_ONLY = QUIET_EVALUATOR + ['--hparam=batch_size=1000000',
                                   '--hparam=queue_size=1000002']


def run(env, layout, seconds, num_actors=2, extra=()):
  flags, _ = LAYOUTS[layout]
  result = launches.launch(['--program=impala', f'--env={env}', '--seed=1',
                            f'--num_actors={num_actors}'] + flags +
                           list(extra), seconds)
  figures = suite.figures(result, THRESHOLDS[env])
  print(env, layout, num_actors, {k: round(v, 2) for k, v in
                                  figures.items()}, flush=True)
  return figures


def throughput(seconds):
  return _layouts_table(seconds, learning=True)


def sampling(seconds):
  return _layouts_table(seconds, learning=False, extra=SAMPLING_ONLY)


def _layouts_table(seconds, learning, extra=()):
  """Every layout on CartPole and Catch; with the learner's columns if
  `learning`."""
  learner_head = ' updates/s | threshold (s) |' if learning else ''
  lines = ['| env | inference | layout | env steps/s | vs actor | first env '
           f'step (s) | peak RSS (GiB) |{learner_head} exit |',
           '|---' * (10 if learning else 8) + '|']
  for env in ('cartpole', 'catch'):
    base = None
    for layout, (_, where) in LAYOUTS.items():
      f = run(env, layout, seconds, extra=extra)
      base = base or f['env_steps_per_s']
      learner = (f' {f["updates_per_s"]:.1f} | {f["threshold_s"]:.0f} |'
                 if learning else '')
      lines.append(
          f'| {env} | {layout.split(",")[0]} | {where} | '
          f'{f["env_steps_per_s"]:,.0f} | '
          f'{f["env_steps_per_s"] / base:.2f}x | {f["first_step_s"]:.1f} | '
          f'{f["peak_rss_gib"]:.2f} |{learner} {f["exit"]} |')
  return '\n'.join(lines)


START_LAUNCHES = 3
START_LAYOUTS = ('actor', 'central sync, colocated',
                 'central alternating, colocated')


def start(seconds):
  """First env step (median, min-max) and peak RSS over START_LAUNCHES
  launches of `seconds` per row."""
  lines = ['| env | inference | layout | first env step (s), median | '
           'min-max | peak RSS (GiB), max | exits |', '|---' * 7 + '|']
  for env in ('cartpole', 'catch'):
    for layout in START_LAYOUTS:
      runs = [run(env, layout, seconds, extra=SAMPLING_ONLY)
              for _ in range(START_LAUNCHES)]
      first = sorted(f['first_step_s'] for f in runs)
      lines.append(
          f'| {env} | {layout.split(",")[0]} | {LAYOUTS[layout][1]} | '
          f'{first[len(first) // 2]:.1f} | {first[0]:.1f}-{first[-1]:.1f} | '
          f'{max(f["peak_rss_gib"] for f in runs):.2f} | '
          f'{",".join(str(f["exit"]) for f in runs)} |')
  return '\n'.join(lines)


def alternating(seconds):
  """Sync against alternating sampling on cartpole_1ms, samplers alone."""
  lines = ['| workers | envs per worker | sync env steps/s | alternating env '
           'steps/s | ratio | ceiling (env CPU) |', '|---' * 6 + '|']
  for num_actors in (1, 2):
    # One worker burns at most one core; two burn at most all of them.
    ceiling = (min(num_actors, os.cpu_count()) /
               environments.STEP_COST_SECONDS)
    for envs in (8, 32):
      extra = SAMPLING_ONLY + [f'--hparam=envs_per_actor={envs}']
      sync = run('cartpole_1ms', 'central sync', seconds, num_actors, extra)
      alt = run('cartpole_1ms', 'central alternating', seconds, num_actors,
                extra)
      lines.append(
          f'| {num_actors} | {envs} | {sync["env_steps_per_s"]:,.0f} | '
          f'{alt["env_steps_per_s"]:,.0f} | '
          f'{alt["env_steps_per_s"] / sync["env_steps_per_s"]:.2f}x | '
          f'{ceiling:,.0f} |')
  return '\n'.join(lines)


# --part: (table, its results.md title before ', <seconds> s)').
PARTS = {
    'throughput': (throughput, 'Central inference vs actors (IMPALA, 2 '
                   'actors, seed 1'),
    'sampling': (sampling, 'Central inference vs actors, samplers alone '
                 '(IMPALA, 2 actors, seed 1'),
    'alternating': (alternating, 'Alternating vs sync sampling (IMPALA, '
                    'central, cartpole_1ms, seed 1'),
    'start': (start, 'First env step after launch (IMPALA, 2 actors, seed 1, '
              f'{START_LAUNCHES} launches per row'),
}


def main():
  parser = argparse.ArgumentParser()
  parser.add_argument('--part', choices=tuple(PARTS), action='append')
  parser.add_argument('--seconds', type=float, default=45.0)
  parser.add_argument('--record', action='store_true')
  args = parser.parse_args()
  for part in args.part or list(PARTS):
    table, title = PARTS[part]
    text = table(args.seconds)
    print(text)
    if args.record:
      launches.record(f'{title}, {args.seconds:.0f} s)', text)


if __name__ == '__main__':
  main()
