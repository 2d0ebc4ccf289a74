"""The network in NumPy equals the Sonnet one; the loss against NumPy; the
learner lowers it on a fixed batch; self-play rows carry the right
outcomes."""

import dataclasses

from absl.testing import absltest
import numpy as np
import reverb
import tensorflow as tf

from agents.alphazero import config as config_lib
from agents.alphazero import games
from agents.alphazero import learner as learner_lib
from agents.alphazero import network as network_lib
from agents.alphazero import self_play

TTT = games.make_game('tic_tac_toe')
CONFIG = config_lib.AlphaZeroConfig(hidden_sizes=(16, 8), batch_size=8,
                                    l2_weight=0.01, learning_rate=0.01)


def batch(rng, size=8):
  states = rng.integers(-1, 2, (size, 9)).astype(np.int8)
  legal = (states == 0).astype(np.float32)
  legal[:, 0] = 1.0  # At least one legal move.
  policy = rng.random((size, 9)).astype(np.float32) * legal
  policy /= policy.sum(axis=1, keepdims=True)
  return {'observation': TTT.observations(states), 'legal': legal,
          'policy': policy,
          'outcome': rng.choice([-1.0, 0.0, 1.0], size).astype(np.float32)}


def built_network():
  network = network_lib.make_network(9, CONFIG.hidden_sizes)
  network(tf.zeros((1, 18)))
  return network


class NetworkTest(absltest.TestCase):

  def test_numpy_forward_equals_sonnet(self):
    network = built_network()
    observations = batch(np.random.default_rng(0))['observation']
    logits, value = network(observations)
    np_logits, np_value = network_lib.NumpyNetwork(network.weights())(
        observations)
    np.testing.assert_allclose(np_logits, logits.numpy(), atol=1e-5)
    np.testing.assert_allclose(np_value, value.numpy(), atol=1e-5)

  def test_numpy_conv_forward_equals_sonnet_on_a_non_square_board(self):
    # Connect Four's 6 x 7 board: a rows/columns or plane mix-up shows.
    game = games.make_game('connect_four')
    network = network_lib.make_network(7, (16,), (4, 3), game.board)
    states = np.random.default_rng(3).integers(-1, 2, (5, 42)).astype(
        np.int8)
    observations = game.observations(states)
    logits, value = network(observations)
    np_logits, np_value = network_lib.NumpyNetwork(
        network.weights(), game.board)(observations)
    np.testing.assert_allclose(np_logits, logits.numpy(), atol=1e-5)
    np.testing.assert_allclose(np_value, value.numpy(), atol=1e-5)
    # One position alone, as search evaluates it.
    one_logits, _ = network_lib.NumpyNetwork(network.weights(), game.board)(
        observations[2:3])
    np.testing.assert_allclose(one_logits[0], logits.numpy()[2], atol=1e-5)
    # An actor's first weights have the learner's shapes, in its order.
    self.assertEqual(
        [w.shape for w in network_lib.random_weights(
            84, 7, (16,), 0, (4, 3), game.board)],
        [w.shape for w in network.weights()])

  def test_conv_weights_need_the_board(self):
    weights = network_lib.random_weights(84, 7, (16,), 0, (4,), (6, 7))
    with self.assertRaisesRegex(ValueError, 'board'):
      network_lib.NumpyNetwork(weights)
    self.assertEqual(weights[0].shape, (3, 3, 2, 4))

  def test_masked_softmax(self):
    probabilities = network_lib.masked_softmax(
        np.array([1.0, 5.0, 2.0]), np.array([True, False, True]))
    np.testing.assert_allclose(probabilities,
                               [np.e / (np.e + np.e ** 2), 0,
                                np.e ** 2 / (np.e + np.e ** 2)])


class LossTest(absltest.TestCase):

  def test_losses_against_numpy(self):
    network = built_network()
    data = batch(np.random.default_rng(1))
    out = learner_lib.losses(network, data, CONFIG.l2_weight)
    logits, value = network_lib.NumpyNetwork(network.weights())(
        data['observation'])
    legal = data['legal'] > 0
    log_p = np.log(np.where(legal, network_lib.masked_softmax(logits, legal),
                            1.0))
    policy_loss = -np.mean(np.sum(data['policy'] * log_p, axis=1))
    value_loss = np.mean((data['outcome'] - value) ** 2)
    weights = network.weights()
    l2 = sum(np.sum(w ** 2) for w in weights[0::2])  # Matrices, no biases.
    self.assertAlmostEqual(float(out['policy_loss']), policy_loss, places=4)
    self.assertAlmostEqual(float(out['value_loss']), value_loss, places=4)
    self.assertAlmostEqual(float(out['l2']), l2, places=3)
    self.assertAlmostEqual(float(out['loss']),
                           policy_loss + value_loss + 0.01 * l2, places=4)

  def test_l2_covers_the_conv_kernels(self):
    network = network_lib.make_network(9, (8,), (4,), TTT.board)
    data = batch(np.random.default_rng(4))
    out = learner_lib.losses(network, data, CONFIG.l2_weight)
    weights = network.weights()
    self.assertEqual(weights[0].shape, (3, 3, 2, 4))
    self.assertAlmostEqual(float(out['l2']),
                           sum(np.sum(w ** 2) for w in weights[0::2]),
                           places=3)

  def test_the_learner_fits_a_fixed_batch(self):
    sample = fixed_sample()
    learner = learner_lib.AlphaZeroLearner(
        built_network(), iter([sample] * 200), CONFIG)
    first = learner.update(learner.next_batch())[0]['loss']
    for _ in range(150):
      learner.step()
    last = learner.update(learner.next_batch())[0]['loss']
    self.assertLess(last, 0.8 * first)
    self.assertEqual(learner.num_steps, 152)

  def test_the_learning_rate_decays_linearly_then_stays(self):
    config = config_lib.AlphaZeroConfig(learning_rate=1e-3,
                                        final_learning_rate=1e-4,
                                        learning_rate_decay_steps=10)
    self.assertAlmostEqual(learner_lib.learning_rate(config, 0), 1e-3)
    self.assertAlmostEqual(learner_lib.learning_rate(config, 5), 5.5e-4)
    self.assertAlmostEqual(learner_lib.learning_rate(config, 50), 1e-4)
    self.assertEqual(learner_lib.learning_rate(CONFIG, 50),
                     CONFIG.learning_rate)
    # Down to 0 after one update: the optimizer must stop moving weights.
    config = dataclasses.replace(CONFIG, final_learning_rate=0.0,
                                 learning_rate_decay_steps=1)
    learner = learner_lib.AlphaZeroLearner(
        built_network(), iter([fixed_sample()] * 5), config)
    before = learner.get_variables(['network'])[0]
    metrics = learner.update(learner.next_batch())[0]
    self.assertAlmostEqual(metrics['learning_rate'], CONFIG.learning_rate)
    after_one = learner.get_variables(['network'])[0]
    for _ in range(3):
      metrics = learner.update(learner.next_batch())[0]
    self.assertEqual(metrics['learning_rate'], 0.0)
    after_four = learner.get_variables(['network'])[0]
    self.assertFalse(all(np.array_equal(a, b)
                         for a, b in zip(before, after_one)))
    for a, b in zip(after_one, after_four):
      np.testing.assert_array_equal(a, b)
    (weights,) = learner.get_variables(['network'])
    self.assertLen(weights, 2 * (len(CONFIG.hidden_sizes) + 2))


def fixed_sample() -> reverb.ReplaySample:
  """A replay sample of `batch`'s 8 rows (seed 2)."""
  data = {k: tf.constant(v) for k, v in
          batch(np.random.default_rng(2)).items()}
  info = reverb.SampleInfo(key=tf.zeros(8, tf.uint64),
                           probability=tf.ones(8, tf.float64),
                           table_size=tf.ones(8, tf.int64),
                           priority=tf.ones(8, tf.float64),
                           times_sampled=tf.ones(8, tf.int32))
  return reverb.ReplaySample(info=info, data=data)


class SelfPlayTest(absltest.TestCase):

  def test_outcomes_are_for_the_player_to_move(self):
    # X wins on its third move: 5 positions, X to move at 0, 2, 4.
    states, state = [], TTT.initial_state()
    for action in (0, 3, 1, 4, 2):
      states.append(state)
      state = TTT.next_state(state, action)
    policies = [np.full(9, 1 / 9, np.float32)] * 5
    rows = self_play.game_items(TTT, states, policies,
                                TTT.terminal_value(state), augment=False)
    self.assertEqual(rows['outcome'].tolist(), [1, -1, 1, -1, 1])
    augmented = self_play.game_items(TTT, states, policies,
                                     TTT.terminal_value(state), augment=True)
    self.assertEqual(len(augmented['outcome']), 40)
    self.assertEqual(augmented['observation'].shape, (40, 18))
    # The value target halfway to the search's values.
    mixed = self_play.game_items(TTT, states, policies,
                                 TTT.terminal_value(state), augment=False,
                                 search_values=[0.5, 0.0, -1.0, 0.2, 1.0],
                                 search_value_weight=0.5)
    np.testing.assert_allclose(mixed['outcome'], [0.75, -0.5, 0.0, -0.4, 1.0])
    # Fast-search positions (playout cap randomization) make no rows; the
    # others keep their player's outcome.
    some = self_play.game_items(TTT, states, policies,
                                TTT.terminal_value(state), augment=False,
                                recorded=[False, True, True, False, False])
    self.assertEqual(some['outcome'].tolist(), [-1, 1])
    np.testing.assert_array_equal(some['observation'],
                                  rows['observation'][1:3])
    self.assertEqual(self_play.game_items(
        TTT, states, policies, TTT.terminal_value(state), augment=False,
        recorded=[False] * 5), {})

  def test_an_actor_plays_and_writes_whole_games(self):
    written = []
    actor = self_play.SelfPlayActor(TTT, CONFIG, seed=0, write=written.append)
    game = actor.play()
    (rows,) = written
    self.assertEqual(len(rows['outcome']), 8 * game['moves'])
    np.testing.assert_allclose(rows['policy'].sum(axis=1), 1.0, rtol=1e-5)
    # Search only spends visits on legal moves.
    self.assertEqual(np.sum(rows['policy'] * (1 - rows['legal'])), 0.0)
    self.assertEqual(actor.simulations, CONFIG.simulations * game['moves'])

  def test_an_actor_plays_several_games_at_once(self):
    config = dataclasses.replace(CONFIG, parallel_games=3)
    written = []
    actor = self_play.SelfPlayActor(TTT, config, seed=0, write=written.append)
    played = [actor.play() for _ in range(7)]
    # Games are written as they end, in the order play() returns them;
    # those still in flight have made moves but are not written yet.
    self.assertGreaterEqual(len(written), 7)
    for game, rows in zip(played, written):
      self.assertEqual(len(rows['outcome']), 8 * game['moves'])
      np.testing.assert_allclose(rows['policy'].sum(axis=1), 1.0, rtol=1e-5)
      self.assertEqual(np.sum(rows['policy'] * (1 - rows['legal'])), 0.0)
      # The first position of every game is the empty board.
      np.testing.assert_array_equal(rows['observation'][0], np.zeros(18))
    written_moves = sum(len(rows['outcome']) // 8 for rows in written)
    self.assertGreater(actor.simulations, CONFIG.simulations * written_moves)
    # Three games in flight from the start: the first three start together
    # and differ (their own noise and sampled moves).
    self.assertEqual(len({g['started'] for g in played[:3]}), 1)
    self.assertGreater(len({rows['policy'][:8].tobytes()
                            for rows in written[:3]}), 1)

  def test_fast_searches_are_played_but_not_written(self):
    config = config_lib.AlphaZeroConfig(hidden_sizes=(8,), simulations=20,
                                        fast_simulations=5,
                                        full_search_fraction=0.5)
    written = []
    actor = self_play.SelfPlayActor(TTT, config, seed=0,
                                    write=written.append)
    moves = [actor.play()['moves'] for _ in range(6)]
    # 8 rows (symmetries) per full search; the rest fast: the count of
    # full searches, from the rows, must account for every simulation.
    full = sum(len(rows['outcome']) for rows in written) // 8
    self.assertEqual(actor.simulations, 20 * full + 5 * (sum(moves) - full))
    self.assertGreater(full, 0)
    self.assertLess(full, sum(moves))
    # A game without a full search writes nothing.
    never = dataclasses.replace(config, full_search_fraction=1e-9)
    written.clear()
    actor = self_play.SelfPlayActor(TTT, never, seed=0, write=written.append)
    played = actor.play()
    self.assertEqual(written, [])
    self.assertEqual(actor.simulations, 5 * played['moves'])

  def test_an_actor_plays_with_a_conv_network(self):
    config = config_lib.AlphaZeroConfig(conv_channels=(4,), hidden_sizes=(8,),
                                        simulations=8)
    written = []
    game = games.make_game('connect_four')
    actor = self_play.SelfPlayActor(game, config, seed=0,
                                    write=written.append)
    played = actor.play()
    self.assertEqual(len(written[0]['outcome']), 2 * played['moves'])

  def test_an_actor_writes_the_search_values_as_targets(self):
    config = config_lib.AlphaZeroConfig(hidden_sizes=(8,), simulations=8,
                                        search_value_weight=1.0)
    written = []
    self_play.SelfPlayActor(TTT, config, seed=0,
                            write=written.append).play()
    outcome = written[0]['outcome']
    # Means of backed-up values, not the game's -1, 0 or 1 everywhere.
    self.assertFalse(np.all(np.isin(outcome, [-1.0, 0.0, 1.0])))
    self.assertTrue(np.all(np.abs(outcome) <= 1.0))

  def test_the_config_refuses_bad_values(self):
    with self.assertRaisesRegex(ValueError, 'dirichlet_epsilon=1.5'):
      config_lib.AlphaZeroConfig(dirichlet_epsilon=1.5)
    with self.assertRaisesRegex(ValueError, "opponents: 'minimax'"):
      config_lib.AlphaZeroConfig(opponents=('minimax',))
    with self.assertRaisesRegex(ValueError, 'conv_channels'):
      config_lib.AlphaZeroConfig(conv_channels=(8, 0))
    with self.assertRaisesRegex(ValueError, "unvisited_q='max'; allowed: "
                                'zero, parent'):
      config_lib.AlphaZeroConfig(unvisited_q='max')
    with self.assertRaisesRegex(ValueError, 'fast_simulations=40 must be '
                                'below simulations=40'):
      config_lib.AlphaZeroConfig(fast_simulations=40)
    with self.assertRaisesRegex(ValueError, 'full_search_fraction=0'):
      config_lib.AlphaZeroConfig(fast_simulations=8, full_search_fraction=0)


if __name__ == '__main__':
  absltest.main()
