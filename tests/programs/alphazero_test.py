"""The AlphaZero program: its graph, input checks, and a test_mt launch in
which self-play fills replay and the learner steps on it."""

import os
import tempfile

from absl.testing import absltest
import numpy as np
import pytest

from agents.alphazero import config as config_lib
from agents.alphazero import matches
from agents.common import environments
from agents.common import replay_learner
from programs import alphazero
from programs.nodes import budget as budget_lib
from programs.nodes import match_evaluator
from tests import helpers

BUDGET = budget_lib.Budget(max_seconds=600)
SMALL = config_lib.AlphaZeroConfig(simulations=8, min_replay_size=64,
                                   batch_size=16, hidden_sizes=(16,),
                                   eval_games=2, eval_simulations=4)


class AlphaZeroProgramTest(absltest.TestCase):

  def test_groups(self):
    program = alphazero.make_program(SMALL, 'tic_tac_toe', num_actors=3,
                                     budget=BUDGET)
    self.assertEqual({g: len(n) for g, n in program.groups.items()},
                     {'counter': 1, 'replay': 1, 'learner': 1,
                      'variable_server': 1, 'actor': 3, 'evaluator': 1})

  def test_bad_input_raises(self):
    with self.assertRaisesRegex(ValueError, "'catch' is not one"):
      alphazero.make_program(SMALL, 'catch', num_actors=2, budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'perfect player exists for '
                                'tic_tac_toe only'):
      alphazero.make_program(SMALL, 'connect_four', num_actors=2,
                             budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'num_actors=0'):
      alphazero.make_program(SMALL, 'tic_tac_toe', num_actors=0,
                             budget=BUDGET)
    with self.assertRaisesRegex(ValueError, 'two-player game .program '
                                'alphazero.'):
      environments.make_environment('tic_tac_toe')

  def test_self_play_feeds_the_learner(self):
    program = alphazero.make_program(SMALL, 'tic_tac_toe', num_actors=2,
                                     budget=BUDGET)
    (learner,), counter = helpers.launch_test_mt(self, program)
    for _ in range(replay_learner.COUNT_PERIOD):
      learner.step()  # Waits for min_replay_size positions from actors.
    counts = helpers.wait_for_counts(
        counter, {'learner_steps': replay_learner.COUNT_PERIOD, 'games': 1})
    self.assertEqual(counts['learner_steps'], replay_learner.COUNT_PERIOD)
    self.assertGreaterEqual(counts['games'], 1)
    # 8 symmetric copies of each move's position reached replay.
    self.assertGreaterEqual(8 * counts['actor_steps'], SMALL.min_replay_size)
    (weights,) = learner.get_variables(['network'])
    self.assertLen(weights, 6)
    self.assertIn('episode_return', matches.evaluate(
        'tic_tac_toe', SMALL, weights, np.random.default_rng(0)))


class WeightsFileTest(absltest.TestCase):

  def test_weights_round_trip(self):
    weights = [np.arange(6, dtype=np.float32).reshape(2, 3),
               np.ones(3, np.float32)]
    with tempfile.TemporaryDirectory() as logdir:
      path = os.path.join(logdir, match_evaluator.WEIGHTS_FILE)
      match_evaluator.save_weights(path, weights)
      loaded = match_evaluator.load_weights(path)
    self.assertLen(loaded, 2)
    for a, b in zip(weights, loaded):
      np.testing.assert_array_equal(a, b)


@pytest.mark.launch
class AlphaZeroLaunchTest(absltest.TestCase):

  def test_connect_four_against_mcts_launches_and_ends(self):
    with tempfile.TemporaryDirectory() as logdir:
      with helpers.Launch(['--program=alphazero', '--env=connect_four',
                           '--num_actors=1', '--max_learner_steps=20',
                           '--max_seconds=300', f'--logdir={logdir}',
                           '--hparam=opponents=mcts_10',
                           '--hparam=eval_games=2',
                           '--hparam=eval_period_seconds=1',
                           '--hparam=min_replay_size=64',
                           '--hparam=simulations=8'], 400) as launch:
        self.assertEqual(launch.wait(), 0, launch.output()[-3000:])
        self.assertEmpty(launch.leftovers(), launch.output()[-3000:])
      self.assertIn('budget reached (max_learner_steps=20)', launch.output())


if __name__ == '__main__':
  absltest.main()
