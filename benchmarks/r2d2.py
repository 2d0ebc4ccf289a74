"""R2D2 next to Ape-X on Catch and on the memory task, 2 actors.

  .venv/bin/python -m benchmarks.r2d2 [--quick] [--record]

Each row is a real local_mp launch (isolated network namespace, stopping
once the mean of 3 evaluator rounds reaches the threshold, else at the
budget), measured by `benchmarks.dqn_family.run_program`: actor env steps/s
(all actors, from the first step), learner updates/s and items/s (sequences
of 20 steps for R2D2, transitions for Ape-X), seconds from launch to the
first evaluator round at the threshold and to the smoothed stop, the best
3-round mean, peak memory (sum of RSS and PSS over the launch's processes).

Catch: threshold 0.9 (the peer figure: acme's distributed R2D2 reached a
mean >= 0.9 in 72.5 s with 2 actors at ~430 env steps/s and 3.7 GiB).
Memory task: `cartpole_no_velocity` (CartPole without the velocities),
threshold 300.
`--record` appends the table to benchmarks/results.md.
"""

from benchmarks import dqn_family
from benchmarks import launches

# Learner side | actor side: the layout of launch/configs/r2d2_*.json.
TWO_PROCESSES = 'replay+learner+counter+variable_server,evaluator+actor'
# (program, environment, layout, threshold, budget seconds)
CASES = (
    ('r2d2', 'catch', TWO_PROCESSES, 0.9, 90),
    ('r2d2', 'catch', None, 0.9, 90),
    ('apex', 'catch', TWO_PROCESSES, 0.9, 90),
    ('r2d2', 'cartpole_no_velocity', TWO_PROCESSES, 300.0, 180),
    ('apex', 'cartpole_no_velocity', TWO_PROCESSES, 300.0, 180),
)
BATCH_SIZES = {'r2d2': 32, 'apex': 64}  # The configs' defaults.


def _table(results):
  lines = ['| program | env | layout | env steps/s | learner updates/s | '
           'learner items/s | first step (s) | first round >= threshold (s) '
           '| 3-round mean >= threshold (s) | best 3-round mean | '
           'peak RSS sum (GiB) | peak PSS sum (GiB) | exit |',
           '|' + '---|' * 13]
  fmt = lambda x: 'no' if x is None else f'{x:.0f}'
  for r in results:
    updates = r['learner_steps_per_s']
    lines.append(
        f"| {r['program']} | {r['env']} (>= {r['threshold']:g}) | "
        f"{r['layout']} | {r['actor_steps_per_s']:,.0f} | {updates:.0f} | "
        f"{updates * BATCH_SIZES[r['program']]:,.0f} | "
        f"{r['first_step_s']:.1f} | {fmt(r['solved_s'])} | "
        f"{fmt(r['stopped_s'])} | {r['best_return']:.2f} | "
        f"{r['peak_rss_gib']:.2f} | {r['peak_pss_gib']:.2f} | {r['exit']} |")
  return '\n'.join(lines)


def main():
  args = launches.parse_args('R2D2 on Catch, two processes, only.')
  cases = CASES[:1] if args.quick else CASES
  results = []
  for program, env, colocate, threshold, budget in cases:
    result = dqn_family.run_program(program, 2, colocate, env=env,
                                    threshold=threshold,
                                    budget_seconds=budget)
    result['threshold'] = threshold
    result['layout'] = '2 processes' if colocate else 'process per node'
    print(result, flush=True)
    results.append(result)
  text = _table(results)
  print(text)
  if args.record:
    launches.record('R2D2 and Ape-X, 2 actors', text)


if __name__ == '__main__':
  main()
