"""IMPALA benchmark: throughput, start-up, time to threshold, memory.

  .venv/bin/python -m benchmarks.impala [--quick] [--record]

For Catch and CartPole with 1 and 2 actors it launches the real program
(local_mp, isolated) with a time budget and reports, from its logs and from
sampling its processes every second:
  actor env steps/s (all actors, counter over the run after the first step),
  learner steps/s and frames/s, seconds from launch to the first env step,
  seconds from launch to the evaluator threshold (Catch >= 0.9, CartPole
  >= 475; mean of 32 episodes), peak memory of all processes (sum of RSS,
  and sum of PSS, which counts shared library pages once);
and, measured in the same run, the single-process ceiling: one batch of 32
environments stepped with batched policy inference, no Launchpad, no queue.
`--record` appends the table to benchmarks/results.md.
"""

import time

from benchmarks import launches

THRESHOLDS = {'catch': 0.9, 'cartpole': 475.0}
BUDGET_SECONDS = {'catch': 45, 'cartpole': 150}


def run_program(env, num_actors, budget_seconds):
  """Launches IMPALA once; returns its figures."""
  run = launches.launch(['--program=impala', f'--env={env}',
                         f'--num_actors={num_actors}'],
                        budget_seconds)
  evaluator = run.csv('evaluator')
  last = run.csv('learner')[-1]
  run_seconds = float(last['walltime_s']) - run.first_step_s
  return {
      'env': env, 'actors': num_actors, 'exit': run.returncode,
      'actor_steps_per_s': float(last['actor_steps']) / run_seconds,
      'learner_steps_per_s': float(last['learner_steps_per_s']),
      'learner_frames_per_s': float(last['learner_frames_per_s']),
      'first_step_s': run.first_step_s,
      'solved_s': run.first_return_at(THRESHOLDS[env]),
      'final_return': float(evaluator[-1]['episode_return']),
      'peak_rss_gib': run.peak_rss_gib,
      'peak_pss_gib': run.peak_pss_gib,
  }


def single_process_ceiling(env, seconds=10.0):
  """Env steps/s of one process: 32 environments + batched policy calls."""
  # pylint: disable=g-import-not-at-top
  import numpy as np
  import tensorflow as tf
  from agents.common import batched_environments
  from agents.common import unroll_actor as actor_lib
  from agents.impala import config as config_lib
  from agents.impala import networks
  config = config_lib.IMPALAConfig()
  environment = batched_environments.make_batched_environment(
      env, config.envs_per_actor, 0)
  network = networks.make_network(environment.observation_shape,
                                  environment.num_actions, config)
  actor = actor_lib.UnrollActor(network, environment.num_envs, config)
  observation = environment.reset()
  actor.observe_first(observation)
  steps = 0
  start = time.time()
  while time.time() - start < seconds:
    action = actor.select_action(observation)
    next_step = environment.step(action)
    actor.observe(action, next_step)
    observation = next_step[0]
    steps += environment.num_envs
  del np, tf
  return steps / (time.time() - start)


def _table(results, ceilings):
  lines = ['| env | actors | env steps/s | ceiling (1 process) | ratio | '
           'learner steps/s | learner frames/s | first step (s) | '
           'solved at (s) | final return | peak RSS sum (GiB) | '
           'peak PSS sum (GiB) | exit |',
           '|' + '---|' * 13]
  for r in results:
    ceiling = ceilings[r['env']]
    solved = f"{r['solved_s']:.0f}" if r['solved_s'] is not None else 'no'
    lines.append(
        f"| {r['env']} | {r['actors']} | {r['actor_steps_per_s']:,.0f} | "
        f"{ceiling:,.0f} | {r['actor_steps_per_s'] / ceiling:.2f} | "
        f"{r['learner_steps_per_s']:.1f} | {r['learner_frames_per_s']:,.0f} | "
        f"{r['first_step_s']:.1f} | {solved} | {r['final_return']:.2f} | "
        f"{r['peak_rss_gib']:.2f} | {r['peak_pss_gib']:.2f} | {r['exit']} |")
  return '\n'.join(lines)


def main():
  args = launches.parse_args('Catch only, 2 actors.')
  cases = ([('catch', 2)] if args.quick else
           [('catch', 1), ('catch', 2), ('cartpole', 1), ('cartpole', 2)])
  results = []
  for env, actors in cases:
    result = run_program(env, actors, BUDGET_SECONDS[env])
    print(result, flush=True)
    results.append(result)
  ceilings = {env: single_process_ceiling(env) for env in {e for e, _ in cases}}
  table = _table(results, ceilings)
  print(table)
  if args.record:
    launches.record('IMPALA', table)


if __name__ == '__main__':
  main()
