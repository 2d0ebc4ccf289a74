"""The value-iteration program: its graph, input checks, real mapper nodes
in a test_mt launch whose blocks make the whole backup, and `python -m
launch --program=value_iteration` converging to the exact solution and
ending by itself."""

import csv
import os
import tempfile

from absl.testing import absltest
from absl.testing import parameterized
import launchpad as lp
import numpy as np
import pytest

from agents.common import wire
from agents.value_iteration import config as config_lib
from agents.value_iteration import model
from programs import value_iteration
from programs.nodes import budget as budget_lib
from programs.nodes import map_reduce
from tests import helpers

BUDGET = budget_lib.Budget(max_seconds=600)
SMALL = config_lib.ValueIterationConfig(grid_size=30)


class ValueIterationProgramTest(parameterized.TestCase):

  def test_groups(self):
    program = value_iteration.make_program(SMALL, 'grid_world', num_actors=3,
                                           budget=BUDGET)
    self.assertEqual({g: len(n) for g, n in program.groups.items()},
                     {'counter': 1, 'mapper': 3, 'reducer': 1})

  def test_bad_input_raises(self):
    with self.assertRaisesRegex(ValueError, 'num_actors=0 .* must be >= 1'):
      value_iteration.make_program(SMALL, 'grid_world', num_actors=0,
                                   budget=BUDGET)
    with self.assertRaisesRegex(ValueError, "'catch' is not one. Tasks: "
                                'grid_world'):
      value_iteration.make_program(SMALL, 'catch', num_actors=2,
                                   budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'num_actors=5 mappers but '
                                'grid_size=2 has 4 states'):
      value_iteration.make_program(
          config_lib.ValueIterationConfig(grid_size=2), 'grid_world',
          num_actors=5, budget=BUDGET)

  @parameterized.parameters(1, 4)
  def test_mapper_blocks_make_the_whole_backup(self, num_mappers):
    program = value_iteration.make_program(SMALL, 'grid_world',
                                           num_actors=num_mappers,
                                           budget=BUDGET)
    (reducer,) = program.groups['reducer']
    reducer.disable_run()  # The test asks the mappers itself.
    lp.launch(program, launch_type='test_mt', test_case=self)
    mappers = [helpers.dereference(node) for node in program.groups['mapper']]
    whole = model.build(SMALL)
    rng = np.random.default_rng(num_mappers)
    values = rng.uniform(0.0, 1.0, model.num_states(SMALL.grid_size))
    policy = rng.integers(0, model.NUM_ACTIONS, len(values))
    rows = model.row_blocks(len(values), num_mappers)
    for pi in (None, policy):
      blocks = []
      for mapper, (start, stop) in zip(mappers, rows):
        first, last = mapper.columns()
        arrays = [values[first:last]]
        if pi is not None:
          arrays.append(pi[start:stop])
        blocks.append(mapper.backup(wire.pack(arrays)))
      expected = model.backup_block(whole.transitions, whole.rewards, values,
                                    SMALL.discount, pi)
      np.testing.assert_allclose(np.concatenate([b[0] for b in blocks]),
                                 expected[0], rtol=1e-12)
      np.testing.assert_array_equal(np.concatenate([b[1] for b in blocks]),
                                    expected[1])


@pytest.mark.launch
class ValueIterationLaunchTest(parameterized.TestCase):

  @parameterized.parameters('value_iteration', 'policy_evaluation',
                            'policy_iteration')
  def test_three_mappers_reach_the_exact_solution_and_stop(self, mode):
    logdir = tempfile.mkdtemp(prefix='value_iteration_test_')
    with helpers.Launch(['--program=value_iteration', '--env=grid_world',
                         '--num_actors=3', '--max_seconds=300',
                         '--hparam=grid_size=40', f'--hparam=mode={mode}',
                         f'--logdir={logdir}'], 240) as launch:
      self.assertEqual(launch.wait(), 0, launch.output()[-3000:])
      self.assertEmpty(launch.leftovers(), launch.output()[-3000:])
      self.assertIn('converged after', launch.output())
    config = config_lib.ValueIterationConfig(grid_size=40, mode=mode)
    whole = model.build(config)
    if mode == 'policy_evaluation':
      exact = model.evaluate_policy_exact(whole, config.discount,
                                          model.heading_policy(40))
    else:
      exact = model.solve_exact(whole, config.discount).values
    saved = np.load(os.path.join(logdir, map_reduce.VALUES_FILE))
    self.assertTrue(saved['converged'])
    np.testing.assert_allclose(saved['values'], exact, rtol=0,
                               atol=config.tolerance)
    with open(os.path.join(logdir, 'reducer.csv')) as f:
      rows = list(csv.DictReader(f))
    self.assertLen(rows, int(saved['iterations']))
    self.assertLess(float(rows[-1]['value_change']),
                    model.stop_threshold(config))

  def test_the_budget_stops_it_mid_run_and_it_keeps_the_last_sweep(self):
    logdir = tempfile.mkdtemp(prefix='value_iteration_test_')
    # 300 x 300 needs 328 sweeps; the counter sees 5 within a poll (1 s).
    with helpers.Launch(['--program=value_iteration', '--env=grid_world',
                         '--num_actors=2', '--max_learner_steps=5',
                         '--hparam=grid_size=300', f'--logdir={logdir}'],
                        240) as launch:
      self.assertEqual(launch.wait(), 0, launch.output()[-3000:])
      self.assertEmpty(launch.leftovers(), launch.output()[-3000:])
      self.assertIn('budget reached (max_learner_steps=5)', launch.output())
      self.assertIn('was stopped by the program after', launch.output())
    saved = np.load(os.path.join(logdir, map_reduce.VALUES_FILE))
    self.assertFalse(saved['converged'])
    self.assertGreaterEqual(int(saved['iterations']), 5)
    self.assertLess(int(saved['iterations']), 328)
    self.assertEqual(saved['values'].shape, (300 * 300,))

  def test_a_program_that_acts_refuses_the_model_before_launch(self):
    with helpers.Launch(['--program=dqn', '--env=grid_world', '--num_actors=1',
                         '--max_seconds=60'], 120) as launch:
      self.assertEqual(launch.wait(), 2, launch.output()[-3000:])
      self.assertIn("'grid_world' is a model for dynamic programming",
                    launch.output())


if __name__ == '__main__':
  absltest.main()
