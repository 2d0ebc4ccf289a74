"""A3C vs A2C, and ES with 1, 2 and 4 workers, on CartPole-v1 (issue 6).

  .venv/bin/python -m benchmarks.parameter_server_programs [--quick] [--record]

Each row is a real local_mp launch (isolated), stopping once the mean of 3
evaluator rounds reaches 475, else at the budget (120 s). From the
evaluator's rows (global counts at each round): env steps/s and updates/s
between the first and the last round (an update is one applied gradient,
an A2C round, or an ES iteration), ES episodes/s; seconds from launch to
the first round >= 475 and to the stop; peak memory over the launch's
processes. ES bytes: what a worker sends per iteration (its packed report,
from its log) and what the master sends back (theta and the observation
statistics).

Policy microbenchmark: one population step of ES's policy (32 CartPole
policies, MLP 32-32) in NumPy (`agents.es.policy.BatchedPolicy`) against
the same maths in a TensorFlow `tf.function`.
`--record` appends the tables to benchmarks/results.md.
"""

import re
import time

from benchmarks import launches

BUDGET_SECONDS = 120
THRESHOLD = 475.0
CASES = (('a3c', 2), ('a2c', 2), ('es', 1), ('es', 2), ('es', 4))


def run_program(program, num_workers):
  flags = [f'--program={program}', '--env=cartpole',
           f'--num_actors={num_workers}', f'--target_return={THRESHOLD}']
  run = launches.launch(flags, BUDGET_SECONDS)
  rows = run.csv('evaluator')
  first, last = rows[0], rows[-1]
  span = max(float(last['walltime_s']) - float(first['walltime_s']), 1e-6)
  rate = lambda key: (float(last.get(key) or 0) -
                      float(first.get(key) or 0)) / span
  stop = re.findall(r'target_return=[\d.]+\) after ([\d.]+) s', run.output)
  result = {
      'program': program, 'workers': num_workers, 'exit': run.returncode,
      'env_steps_per_s': rate('actor_steps'),
      'updates_per_s': rate('learner_steps'),
      'episodes_per_s': rate('episodes') if program == 'es' else None,
      'solved_s': run.first_return_at(THRESHOLD),
      'stopped_s': float(stop[0]) if stop else None,
      'peak_rss_gib': run.peak_rss_gib, 'peak_pss_gib': run.peak_pss_gib,
  }
  if program == 'es':
    worker = run.csv('worker')
    result['report_bytes'] = max(float(r['report_bytes']) for r in worker)
  return result


def theta_bytes():
  """Bytes of one task answer (theta, mean, std) for CartPole's policy."""
  import pickle  # pylint: disable=g-import-not-at-top
  import numpy as np  # pylint: disable=g-import-not-at-top
  from agents.es import config as config_lib  # pylint: disable=g-import-not-at-top
  from agents.es import policy  # pylint: disable=g-import-not-at-top
  config = config_lib.ESConfig()
  shapes = policy.layer_shapes(4, 2, config.hidden_sizes)
  theta = policy.initial_parameters(shapes, 0)
  task = (1, theta, np.zeros(4, np.float32), np.ones(4, np.float32))
  return theta.size, len(pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL))


def policy_microbenchmark(population=32, seconds=3.0):
  """Population steps/s: NumPy einsum policy vs the same in tf.function."""
  # pylint: disable=g-import-not-at-top
  import numpy as np
  import tensorflow as tf
  from agents.es import config as config_lib
  from agents.es import policy
  config = config_lib.ESConfig()
  shapes = policy.layer_shapes(4, 2, config.hidden_sizes)
  numpy_policy = policy.BatchedPolicy(shapes)
  thetas = np.random.default_rng(0).normal(
      size=(population, numpy_policy.num_parameters)).astype(np.float32)
  numpy_policy.set_parameters(thetas)
  observation = np.random.default_rng(1).normal(
      size=(population, 4)).astype(np.float32)
  layers = [(tf.constant(w), tf.constant(b))
            for w, b in numpy_policy._layers]  # pylint: disable=protected-access

  @tf.function
  def tf_actions(x):
    for i, (w, b) in enumerate(layers):
      x = tf.einsum('pi,pio->po', x, w) + b
      if i < len(layers) - 1:
        x = tf.tanh(x)
    return tf.argmax(x, axis=-1)

  np.testing.assert_array_equal(tf_actions(observation).numpy(),
                                numpy_policy.actions(observation))
  rates = {}
  for name, call in (('numpy', lambda: numpy_policy.actions(observation)),
                     ('tensorflow', lambda: tf_actions(observation).numpy())):
    count, start = 0, time.time()
    while time.time() - start < seconds:
      call()
      count += 1
    rates[name] = count / (time.time() - start)
  return rates


def _tables(results, micro, theta):
  fmt = lambda x, f='{:,.0f}': 'no' if x is None else f.format(x)
  lines = ['| program | workers | env steps/s | updates/s | episodes/s | '
           'first round >= 475 (s) | 3-round mean >= 475 (s) | '
           'bytes sent per worker per iteration | peak RSS sum (GiB) | '
           'peak PSS sum (GiB) | exit |', '|' + '---|' * 11]
  for r in results:
    lines.append(
        f"| {r['program']} | {r['workers']} | "
        f"{fmt(r['env_steps_per_s'])} | {fmt(r['updates_per_s'], '{:.1f}')} "
        f"| {fmt(r['episodes_per_s'])} | {fmt(r['solved_s'])} | "
        f"{fmt(r['stopped_s'])} | {fmt(r.get('report_bytes'))} | "
        f"{r['peak_rss_gib']:.2f} | {r['peak_pss_gib']:.2f} | {r['exit']} |")
  size, task = theta
  lines += ['', f'ES master -> worker per iteration: {task:,} bytes (theta '
            f'of {size:,} float32 and the observation statistics).', '',
            '| ES policy, 32 CartPole policies | population steps/s |',
            '|---|---|']
  for name, value in micro.items():
    lines.append(f'| {name} | {value:,.0f} |')
  return '\n'.join(lines)


def main():
  args = launches.parse_args('ES with 2 workers only.')
  cases = [('es', 2)] if args.quick else CASES
  results = []
  for program, workers in cases:
    result = run_program(program, workers)
    print(result, flush=True)
    results.append(result)
  text = _tables(results, policy_microbenchmark(), theta_bytes())
  print(text)
  if args.record:
    launches.record('A3C, A2C and ES on CartPole-v1', text)


if __name__ == '__main__':
  main()
