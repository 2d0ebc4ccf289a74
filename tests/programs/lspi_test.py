"""The LSPI program: its graph, input checks, real mapper nodes in a
test_mt launch whose summed answers are the single-process statistics, and
`python -m launch --program=lspi` finding the chain walk's optimal policy
and ending by itself."""

import csv
import os
import tempfile

from absl.testing import absltest
from absl.testing import parameterized
import launchpad as lp
import numpy as np
import pytest

from agents.common import chain_walk
from agents.common import wire
from agents.lspi import config as config_lib
from agents.lspi import lstdq
from agents.lspi import tasks
from programs import lspi
from programs.nodes import budget as budget_lib
from programs.nodes import map_reduce
from tests import helpers

BUDGET = budget_lib.Budget(max_seconds=600)
CONFIG = config_lib.LSPIConfig(num_samples=2_000, seed=3)


class LSPIProgramTest(parameterized.TestCase):

  def test_groups(self):
    program = lspi.make_program(CONFIG, 'chain_walk', num_actors=3,
                                budget=BUDGET)
    self.assertEqual({g: len(n) for g, n in program.groups.items()},
                     {'counter': 1, 'mapper': 3, 'reducer': 1})

  def test_bad_input_raises(self):
    with self.assertRaisesRegex(ValueError, 'num_actors=0 .* must be >= 1'):
      lspi.make_program(CONFIG, 'chain_walk', num_actors=0, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, "'catch' has none. Tasks: "
                                'chain_walk'):
      lspi.make_program(CONFIG, 'catch', num_actors=2, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'every mapper needs a sample'):
      lspi.make_program(config_lib.LSPIConfig(num_samples=2), 'chain_walk',
                        num_actors=3, budget=BUDGET)

  @parameterized.parameters(1, 3)
  def test_mappers_sum_to_the_single_process_statistics(self, num_mappers):
    program = lspi.make_program(CONFIG, 'chain_walk', num_actors=num_mappers,
                                budget=BUDGET)
    (reducer,) = program.groups['reducer']
    reducer.disable_run()  # The test asks the mappers itself.
    lp.launch(program, launch_type='test_mt', test_case=self)
    mappers = [helpers.dereference(node) for node in program.groups['mapper']]
    (counter_node,) = program.groups['counter']
    counts = helpers.wait_for_counts(helpers.dereference(counter_node),
                                     {'actor_steps': CONFIG.num_samples})
    self.assertEqual(counts['actor_steps'], CONFIG.num_samples)
    weights = np.random.default_rng(0).normal(size=10)
    a, b = lstdq.sum_statistics(
        [m.statistics(wire.pack([weights])) for m in mappers])
    whole = tasks.make_shard('chain_walk', CONFIG, 0, 1)
    expected_a, expected_b = lstdq.shard_statistics(whole, weights,
                                                    CONFIG.discount)
    np.testing.assert_allclose(a, expected_a, rtol=1e-12, atol=1e-9)
    np.testing.assert_allclose(b, expected_b, rtol=1e-12, atol=1e-9)
    self.assertEqual(a.shape, (10, 10))

  def test_chain_walk_is_an_environment_of_the_registry(self):
    # The launcher's check (validate_name), and what a program that acts
    # on it asks of it.
    from agents.common import environments  # pylint: disable=g-import-not-at-top
    spec = environments.check_discrete('chain_walk', 'lspi')
    self.assertEqual(spec['observation_shape'], (chain_walk.NUM_STATES,))
    self.assertEqual(spec['num_actions'], 2)


@pytest.mark.launch
class LSPILaunchTest(absltest.TestCase):

  def test_four_mappers_find_the_optimal_policy_and_stop(self):
    logdir = tempfile.mkdtemp(prefix='lspi_test_')
    with helpers.Launch(['--program=lspi', '--env=chain_walk',
                         '--num_actors=4', '--max_seconds=300',
                         f'--logdir={logdir}'], 240) as launch:
      self.assertEqual(launch.wait(), 0, launch.output()[-3000:])
      self.assertEmpty(launch.leftovers(), launch.output()[-3000:])
      self.assertIn('LSPI stopped after', launch.output())
    with open(os.path.join(logdir, 'reducer.csv')) as f:
      rows = list(csv.DictReader(f))
    # The policy held in the last round, and it is the optimal one (seed 0,
    # 5,000 samples: 5 rounds, as the single-process reference takes).
    self.assertEqual(float(rows[-1]['policy_changes']), 0)
    self.assertEqual(float(rows[-1]['optimal_actions']),
                     chain_walk.NUM_STATES)
    self.assertLess(len(rows), config_lib.LSPIConfig().max_iterations)
    self.assertEqual(float(rows[-1]['actor_steps']), 5_000)
    saved = np.load(os.path.join(logdir, map_reduce.WEIGHTS_FILE))
    reference = lstdq.lspi(
        [tasks.make_shard('chain_walk', config_lib.LSPIConfig(), 0, 1)],
        config_lib.LSPIConfig(), tasks.probe_features('chain_walk'))
    np.testing.assert_allclose(saved['weights'], reference.weights,
                               rtol=1e-9, atol=1e-9)
    self.assertEqual(int(saved['rounds']), reference.iterations)

  def test_a_task_without_a_basis_is_refused_before_launch(self):
    with helpers.Launch(['--program=lspi', '--env=catch', '--num_actors=2',
                         '--max_seconds=60'], 120) as launch:
      self.assertEqual(launch.wait(), 2, launch.output()[-3000:])
      self.assertIn("environment 'catch' has none. Tasks: chain_walk",
                    launch.output())


if __name__ == '__main__':
  absltest.main()
