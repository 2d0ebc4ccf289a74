"""python -m launch.play: a person plays the agent of a logdir."""

import dataclasses
import io
import json
import os
import subprocess
import sys
import tempfile

from absl.testing import absltest
import numpy as np

from agents.alphazero import config as config_lib
from agents.alphazero import games
from agents.alphazero import matches
from agents.alphazero import network
from launch import play
from programs.nodes import match_evaluator
from tests import helpers

CONFIG = config_lib.AlphaZeroConfig(hidden_sizes=(16,), eval_simulations=50)


def make_logdir(root, program='alphazero', environment='tic_tac_toe'):
  with open(os.path.join(root, 'config.json'), 'w') as f:
    json.dump({'program': program, 'environment': environment,
               'hparams': dataclasses.asdict(CONFIG)}, f)
  match_evaluator.save_weights(
      os.path.join(root, match_evaluator.WEIGHTS_FILE),
      network.random_weights(18, 9, CONFIG.hidden_sizes, seed=0))


class PlayTest(absltest.TestCase):

  def test_a_whole_game_with_an_illegal_move_in_it(self):
    with tempfile.TemporaryDirectory() as logdir:
      make_logdir(logdir)
      out = io.StringIO()
      # The human plays the lowest free cell; 1 twice is refused.
      moves = '1\n1\n' + ''.join(f'{c}\n' for c in range(2, 10))
      self.assertEqual(play.play(logdir, None, False, io.StringIO(moves),
                                 out), 0)
    text = out.getvalue()
    self.assertIn('you are X', text)
    self.assertIn("'1' is not a legal move", text)
    self.assertIn('agent plays', text)
    self.assertRegex(text.splitlines()[-1], '^(draw|you win|the agent wins)$')

  def test_the_agent_takes_a_win_in_one(self):
    game = games.make_game('tic_tac_toe')
    agent = matches.agent_player(
        game, network.random_weights(18, 9, CONFIG.hidden_sizes, seed=0),
        CONFIG, 200)
    # X (to move) has 0 and 1, O has 3 and 4: 2 wins at once.
    state = game.initial_state()
    for action in (0, 3, 1, 4):
      state = game.next_state(state, action)
    self.assertEqual(agent(state, np.random.default_rng(0)), 2)

  def test_an_empty_line_quits_and_bad_logdirs_exit_2(self):
    with tempfile.TemporaryDirectory() as logdir:
      make_logdir(logdir)
      self.assertEqual(play.play(logdir, 5, False, io.StringIO('\n'),
                                 io.StringIO()), 0)
    with tempfile.TemporaryDirectory() as logdir:
      result = subprocess.run(
          [sys.executable, '-m', 'launch.play', f'--logdir={logdir}'],
          cwd=helpers.REPO, capture_output=True, text=True, timeout=120,
          check=False)
      self.assertEqual(result.returncode, 2)
      self.assertIn('config.json is missing', result.stderr)
    with tempfile.TemporaryDirectory() as logdir:
      make_logdir(logdir, program='dqn')
      self.assertEqual(play.play(logdir, 5, False, io.StringIO(),
                                 io.StringIO()), 2)


if __name__ == '__main__':
  absltest.main()
