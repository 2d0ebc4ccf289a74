"""multi_host launches across test hosts (network namespaces on a bridge).

Each host is a namespace of its own with its own launcher process, started
as a user would on each machine: `python -m launch --config=cluster.json
--host=NAME`. The namespaces reach each other over a bridge and nothing
else; they are removed whatever happens (tests/namespaces.py), after every
launch's processes are killed (tests/helpers.py).
"""

import csv
import json
import os
import signal
import tempfile
import time
from typing import Dict, Mapping

from absl.testing import absltest
import pytest

from tests import helpers
from tests import namespaces

pytestmark = pytest.mark.launch
SAFETY_SECONDS = 900  # Only for a run that hangs; budgets end the runs.


def read_csv(path):
  with open(path, newline='') as f:
    return list(csv.DictReader(f))


def write_config(hosts: namespaces.Hosts, values: Mapping[str, object],
                 placement: Mapping[str, object], **cluster) -> str:
  """A cluster launch config for `hosts`; returns its path."""
  config = {**values, 'launch_type': 'multi_host',
            'cluster': {'hosts': dict(hosts.addresses),
                        'placement': dict(placement), **cluster}}
  fd, path = tempfile.mkstemp(suffix='.json')
  with os.fdopen(fd, 'w') as f:
    json.dump(config, f)
  return path


class Cluster:
  """One launcher per host, the chief's last (any order works)."""

  def __init__(self, hosts: namespaces.Hosts, config: str, logdir: str,
               order: Mapping[str, None], extra=()):
    self.launches: Dict[str, helpers.Launch] = {
        name: helpers.Launch([f'--config={config}', f'--host={name}',
                              f'--logdir={logdir}', *extra],
                             SAFETY_SECONDS, wrapper=hosts.exec(name))
        for name in order}

  def __enter__(self) -> 'Cluster':
    for launch in self.launches.values():
      launch.__enter__()
    return self

  def __exit__(self, *exc) -> None:
    for launch in self.launches.values():
      launch.__exit__(*exc)

  def outputs(self) -> str:
    return '\n'.join(f'===== {name}\n{launch.output()[-5000:]}'
                     for name, launch in self.launches.items())


@pytest.mark.skipif(bool(namespaces.available()),
                    reason=namespaces.available() or 'available')
class MultiHostLaunchTest(absltest.TestCase):

  def _assert_clean_end(self, cluster: Cluster) -> None:
    for name, launch in cluster.launches.items():
      self.assertEqual(launch.wait(), 0, f'{name}:\n{cluster.outputs()}')
    for name, launch in cluster.launches.items():
      self.assertEmpty(launch.leftovers(), f'{name}: processes left behind')

  @pytest.mark.learning
  def test_impala_actors_on_another_host_learn_catch(self):
    with namespaces.Hosts(['trainer', 'sampler']) as hosts, \
        tempfile.TemporaryDirectory() as logdir:
      config = write_config(
          hosts, {'program': 'impala', 'environment': 'catch',
                  'num_actors': 2, 'seed': 1, 'max_learner_steps': 1500,
                  'target_return': 0.8, 'max_seconds': 600},
          {'actor': 'sampler'})
      with Cluster(hosts, config, logdir, ['sampler', 'trainer']) as cluster:
        self._assert_clean_end(cluster)
      trainer = cluster.launches['trainer'].output()
      sampler = cluster.launches['sampler'].output()
      self.assertIn('budget reached (target_return=0.8)', trainer)
      self.assertIn('multi_host: sampler runs actor;', sampler)
      self.assertIn('[launch] stopped by trainer', sampler)
      self.assertIn('[actor/1]', sampler)
      self.assertNotIn('[actor/', trainer)
      returns = [float(row['episode_return']) for row in
                 read_csv(os.path.join(logdir, 'evaluator.csv'))]
      self.assertGreaterEqual(sum(returns[-3:]) / 3, 0.8)
      self.assertLess(returns[0], 0.8)
      # The sampler logs under <logdir>/hosts/sampler with the run's clock.
      actor = read_csv(os.path.join(logdir, 'hosts', 'sampler', 'actor.csv'))
      learner = read_csv(os.path.join(logdir, 'learner.csv'))
      self.assertGreater(float(actor[-1]['actor_steps']), 0)
      self.assertLess(abs(float(actor[-1]['walltime_s']) -
                          float(learner[-1]['walltime_s'])), 30)

  @pytest.mark.learning
  def test_apex_with_replay_on_its_own_host_learns_catch(self):
    with namespaces.Hosts(['trainer', 'memory', 'sampler']) as hosts, \
        tempfile.TemporaryDirectory() as logdir:
      config = write_config(
          hosts, {'program': 'apex', 'environment': 'catch',
                  'num_actors': 2, 'seed': 1, 'max_learner_steps': 4000,
                  'target_return': 0.8, 'max_seconds': 600},
          {'replay': 'memory', 'actor': {'sampler': 1, 'trainer': 1}})
      with Cluster(hosts, config, logdir,
                   ['trainer', 'memory', 'sampler']) as cluster:
        self._assert_clean_end(cluster)
      outputs = {n: l.output() for n, l in cluster.launches.items()}
      self.assertIn('budget reached (target_return=0.8)', outputs['trainer'])
      self.assertIn('[replay/0]', outputs['memory'])
      # Counts place nodes in order: actor/0 on the sampler, actor/1 here.
      self.assertIn('[actor/0]', outputs['sampler'])
      self.assertIn('[actor/1]', outputs['trainer'])
      self.assertNotIn('[actor/1]', outputs['sampler'])
      for name in ('memory', 'sampler'):
        self.assertIn('[launch] stopped by trainer', outputs[name])

  def test_a_cluster_resumes_with_replay_restored_on_its_host(self):
    with namespaces.Hosts(['trainer', 'memory', 'sampler']) as hosts, \
        tempfile.TemporaryDirectory() as logdir:
      config = write_config(
          hosts, {'program': 'apex', 'environment': 'catch',
                  'num_actors': 1, 'max_seconds': 600,
                  'hparams': {'checkpoint_period_seconds': 5}},
          {'replay': 'memory', 'actor': 'sampler'})
      order = ['memory', 'sampler', 'trainer']
      with Cluster(hosts, config, logdir, order,
                   ['--max_learner_steps=300']) as first:
        self._assert_clean_end(first)
      replay_saves = os.path.join(logdir, 'hosts', 'memory', 'checkpoints',
                                  'replay')
      self.assertTrue(os.path.isdir(replay_saves), first.outputs())
      actor_rows = len(read_csv(os.path.join(logdir, 'hosts', 'sampler',
                                             'actor.csv')))
      with Cluster(hosts, config, logdir, order,
                   ['--max_learner_steps=600']) as second:
        self._assert_clean_end(second)
      outputs = {n: l.output() for n, l in second.launches.items()}
      self.assertIn('[launch] resuming the run in', outputs['trainer'])
      self.assertRegex(outputs['trainer'],
                       r'\[learner\] resumed from \S+: learner step [3-9]\d\d')
      self.assertRegex(outputs['memory'], r"table sizes \{'replay': [1-9]")
      self.assertIn('budget reached (max_learner_steps=600)',
                    outputs['trainer'])
      # The sampler's log goes on in the same file.
      self.assertGreater(len(read_csv(os.path.join(
          logdir, 'hosts', 'sampler', 'actor.csv'))), actor_rows)

  def test_a_killed_host_stops_the_others_with_a_message(self):
    with namespaces.Hosts(['trainer', 'sampler']) as hosts, \
        tempfile.TemporaryDirectory() as logdir:
      config = write_config(
          hosts, {'program': 'impala', 'environment': 'catch',
                  'num_actors': 1, 'max_seconds': 600},
          {'actor': 'sampler'}, heartbeat_timeout_seconds=5)
      with Cluster(hosts, config, logdir, ['trainer', 'sampler']) as cluster:
        sampler = cluster.launches['sampler']
        trainer = cluster.launches['trainer']
        self.assertTrue(
            sampler.wait_for_output('first environment step', 300),
            cluster.outputs())
        os.kill(sampler.pid, signal.SIGKILL)  # The launcher only.
        killed_at = time.monotonic()
        self.assertEqual(trainer.wait(120), 1, cluster.outputs())
        self.assertLess(time.monotonic() - killed_at, 60)
        self.assertIn('lost host sampler', trainer.output())
        self.assertEmpty(trainer.leftovers(), 'processes left on trainer')
        # The sampler's nodes died with their launcher.
        self.assertEmpty(sampler.leftovers(), 'processes left on sampler')

  def test_a_member_without_its_chief_gives_up_naming_it(self):
    with namespaces.Hosts(['trainer', 'sampler']) as hosts, \
        tempfile.TemporaryDirectory() as logdir:
      config = write_config(
          hosts, {'program': 'impala', 'environment': 'catch',
                  'num_actors': 1, 'max_seconds': 60},
          {'actor': 'sampler'}, peer_timeout_seconds=4)
      with Cluster(hosts, config, logdir, ['sampler']) as cluster:
        sampler = cluster.launches['sampler']
        self.assertEqual(sampler.wait(120), 1, sampler.output())
        self.assertIn('could not reach the chief trainer at '
                      f'{hosts.addresses["trainer"]}:23000 within 4 s',
                      sampler.output())
        self.assertEmpty(sampler.leftovers())


if __name__ == '__main__':
  absltest.main()
