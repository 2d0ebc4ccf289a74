"""Data-parallel learner replicas, 1 against 2 (issue 14; Stooke & Abbeel
2018's multi-GPU learner, here CPU processes).

  .venv/bin/python -m benchmarks.learner_replicas [--quick] [--record]

Each row launches the real program (local_mp, isolated, 2 actors, seed 1,
a fixed budget of SECONDS, no target stop) with `learner_replicas` 1 or 2
and reads its logs: learner updates/s (one update = the whole batch, all
replicas together), env steps/s, seconds from launch to the threshold (the
first mean of 3 evaluator rounds >= it), peak RSS of the program. Programs:
IMPALA with actors' own inference, and A2C with central inference (its
learner on the action server's unrolls). `--quick`: IMPALA only, 60 s.
"""

from benchmarks import launches
from benchmarks import suite

THRESHOLD = 0.9  # Catch; as benchmarks.central_inference.
SECONDS = 150.0
PROGRAMS = {
    'impala': ['--program=impala'],
    'a2c, central inference': ['--program=a2c', '--hparam=inference=central'],
}


def main():
  args = launches.parse_args('IMPALA only, 60 s runs.')
  seconds = 60.0 if args.quick else SECONDS
  programs = list(PROGRAMS)[:1] if args.quick else list(PROGRAMS)
  lines = ['| program | replicas | updates/s | env steps/s | threshold (s) | '
           'peak RSS (GiB) | exit |', '|---|---|---|---|---|---|---|']
  for program in programs:
    for replicas in (1, 2):
      result = launches.launch(
          PROGRAMS[program] + ['--env=catch', '--num_actors=2', '--seed=1',
                               f'--hparam=learner_replicas={replicas}'],
          seconds)
      f = suite.figures(result, THRESHOLD)
      print(program, replicas, {k: round(v, 2) for k, v in f.items()},
            flush=True)
      lines.append(f'| {program} | {replicas} | {f["updates_per_s"]:.1f} | '
                   f'{f["env_steps_per_s"]:,.0f} | {f["threshold_s"]:.0f} | '
                   f'{f["peak_rss_gib"]:.2f} | {f["exit"]} |')
  text = '\n'.join(lines)
  print(text)
  if args.record:
    launches.record(f'Learner replicas on Catch (2 actors, seed 1, '
                    f'{seconds:.0f} s)', text)


if __name__ == '__main__':
  main()
