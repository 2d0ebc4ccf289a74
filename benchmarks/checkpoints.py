"""What checkpoints cost: seconds per save and per restore, the effect of
periodic saves on a running program, and the time a resumed run takes to
act again.

  .venv/bin/python -m benchmarks.checkpoints [--quick] [--record]

In-process: each learner's `state` (networks, target networks, optimizer
slots, step count) saved and restored through the node library's
Checkpointer (TensorFlow checkpoint + SHA-256 manifest), mean of REPEATS;
a prioritized Reverb table of CartPole transitions checkpointed and loaded
with Reverb's own checkpointer.

Launched (local_mp, isolated): DQN on Catch, 2 actors, BUDGET_SECONDS, with
checkpoints every PERIODS seconds (60 is the default), env steps/s of the
actors and learner updates/s; then the same command again on the logdir of
the 60 s run, which resumes: seconds from launch to the first environment
step (a fresh start's figure beside it).
"""

import os
import re
import shutil
import tempfile
import time

import numpy as np

from benchmarks import launches

REPEATS = 10
TABLE_ITEMS = 100_000
BUDGET_SECONDS = 90
PERIODS = (60.0, 5.0, 1e6)  # 1e6: only the save at the stop.


def _time(function, repeats=REPEATS):
  times = []
  for _ in range(repeats):
    start = time.perf_counter()
    function()
    times.append(time.perf_counter() - start)
  return float(np.mean(times))


def learner_costs():
  """(name, variables' MiB, seconds per save, seconds per restore)."""
  from agents.dqn import config as dqn_config  # pylint: disable=g-import-not-at-top
  from agents.dqn import learner as dqn_learner  # pylint: disable=g-import-not-at-top
  from agents.dqn import networks as dqn_networks  # pylint: disable=g-import-not-at-top
  from agents.impala import config as impala_config  # pylint: disable=g-import-not-at-top
  from agents.impala import learner as impala_learner  # pylint: disable=g-import-not-at-top
  from agents.impala import networks as impala_networks  # pylint: disable=g-import-not-at-top
  from agents.r2d2 import config as r2d2_config  # pylint: disable=g-import-not-at-top
  from agents.r2d2 import learner as r2d2_learner  # pylint: disable=g-import-not-at-top
  from agents.r2d2 import networks as r2d2_networks  # pylint: disable=g-import-not-at-top
  from programs.nodes import checkpoints  # pylint: disable=g-import-not-at-top

  def impala():
    config = impala_config.IMPALAConfig()
    return impala_learner.IMPALALearner(
        impala_networks.make_network((10, 5), 3, config), iter([]), config)

  def dqn():
    config = dqn_config.DQNConfig()
    make = lambda: dqn_networks.make_network((4,), 2, config)
    return dqn_learner.DQNLearner(make(), make(), iter([]), config)

  def r2d2():
    config = r2d2_config.R2D2Config()
    make = lambda: r2d2_networks.make_network((2,), 2, config)
    return r2d2_learner.R2D2Learner(make(), make(), iter([]), config)

  rows = []
  for name, make in (('IMPALA (Catch)', impala), ('DQN (CartPole)', dqn),
                     ('R2D2 (CartPole)', r2d2)):
    learner = make()
    mib = sum(v.numpy().nbytes for m in learner.state.values()
              for v in ([m] if hasattr(m, 'assign') else m.variables)) / 2**20
    logdir = tempfile.mkdtemp(prefix='bench_ckpt_')
    schedule = checkpoints.Schedule(logdir, 60.0)
    saver = checkpoints.Checkpointer('learner', schedule,
                                     checkpoints.TFState(learner.state))
    save = _time(saver.save)
    restorer = checkpoints.Checkpointer(
        'learner', schedule, checkpoints.TFState(make().state))
    restore = _time(restorer.restore)
    shutil.rmtree(logdir)
    rows.append((name, mib, save, restore))
  return rows


def table_cost(items):
  """(MiB on disk, seconds per checkpoint, seconds to load) of a
  prioritized table of `items` CartPole transitions."""
  import reverb  # pylint: disable=g-import-not-at-top
  from agents.dqn import config as dqn_config  # pylint: disable=g-import-not-at-top
  from agents.dqn import transitions  # pylint: disable=g-import-not-at-top
  config = dqn_config.ApexConfig(replay_size=items, min_replay_size=64,
                                 samples_per_insert=0.0)
  directory = tempfile.mkdtemp(prefix='bench_reverb_')
  server = reverb.Server([transitions.replay_table((4,), config)],
                         checkpointer=reverb.checkpointers.DefaultCheckpointer(
                             directory))
  client = server.localhost_client()
  rng = np.random.default_rng(0)
  with client.trajectory_writer(num_keep_alive_refs=1) as writer:
    for i in range(items):
      writer.append({'observation': rng.normal(size=4).astype(np.float32),
                     'action': np.int32(i % 2), 'reward': np.float32(1.0),
                     'discount': np.float32(0.99),
                     'next_observation': rng.normal(size=4).astype(
                         np.float32)})
      writer.create_item(transitions.REPLAY_TABLE, 1.0,
                         {k: v[-1] for k, v in writer.history.items()})
      if i % 1000 == 999:
        writer.flush()
  start = time.perf_counter()
  path = client.checkpoint()
  save = time.perf_counter() - start
  mib = sum(os.path.getsize(os.path.join(path, f))
            for f in os.listdir(path)) / 2**20
  server.stop()
  start = time.perf_counter()
  server = reverb.Server([transitions.replay_table((4,), config)],
                         checkpointer=reverb.checkpointers.DefaultCheckpointer(
                             directory))
  load = time.perf_counter() - start
  size = server.localhost_client().server_info()[
      transitions.REPLAY_TABLE].current_size
  server.stop()
  shutil.rmtree(directory)
  assert size == items, size
  return mib, save, load


def launched(period, budget_seconds, logdir=None):
  flags = ['--program=dqn', '--env=catch', '--num_actors=2',
           f'--hparam=checkpoint_period_seconds={period}']
  run = launches.launch(flags, budget_seconds, logdir=logdir)
  actor = run.csv('actor')
  learner = run.csv('learner')
  steps_per_s = float(actor[-1]['actor_steps']) / max(
      float(actor[-1]['walltime_s']) - run.first_step_s, 1e-6)
  updates = float(learner[-1]['learner_steps_per_s'])
  saves = len(re.findall(r'Stored checkpoint to', run.output))
  return run, steps_per_s, updates, saves


def main():
  args = launches.parse_args('Fewer repeats, a 10k-item table, 45 s runs.')
  global REPEATS  # pylint: disable=global-statement
  items, budget = TABLE_ITEMS, BUDGET_SECONDS
  if args.quick:
    REPEATS, items, budget = 3, 10_000, 45
  lines = ['| learner state | MiB | s per save | s per restore |',
           '|---|---|---|---|']
  for name, mib, save, restore in learner_costs():
    lines.append(f'| {name} | {mib:.2f} | {save:.4f} | {restore:.4f} |')
  mib, save, load = table_cost(items)
  lines += ['', '| Reverb table | MiB on disk | s per checkpoint | s to load |',
            '|---|---|---|---|',
            f'| {items} CartPole transitions, prioritized | {mib:.1f} | '
            f'{save:.3f} | {load:.3f} |', '',
            f'DQN on Catch, 2 actors, local_mp, {budget} s:', '',
            '| checkpoint period | replay checkpoints | env steps/s | '
            'learner updates/s |', '|---|---|---|---|']
  resumable = None
  for period in PERIODS:
    run, steps, updates, saves = launched(period, budget)
    label = 'stop only' if period >= 1e6 else f'{period:g} s'
    lines.append(f'| {label} | {saves} | {steps:.0f} | {updates:.0f} |')
    if period == PERIODS[0]:
      resumable, fresh_first_step = run.logdir, run.first_step_s
  run, _, _, _ = launched(PERIODS[0], 2 * budget, logdir=resumable)
  elapsed = float(re.search(r'resuming the run in \S+ at ([\d.]+) s',
                            run.output).group(1))
  lines += ['', f'Launch to first environment step: fresh start '
            f'{fresh_first_step:.1f} s; resumed (same command, same logdir) '
            f'{run.first_step_s - elapsed:.1f} s.']
  text = '\n'.join(lines)
  print(text)
  if args.record:
    launches.record('Checkpoint cost (issue 12)', text)


if __name__ == '__main__':
  main()
