"""The DQN actor: exploration, and transitions through time limits."""

from absl.testing import absltest
import numpy as np
import tensorflow as tf

from agents.common import batched_environments
from agents.dqn import actor as actor_lib
from agents.dqn import config as config_lib
from agents.dqn import networks


class RecordingWriter:
  def __init__(self):
    self.batches = []

  def write(self, batch, priorities=None):
    self.batches.append((batch, priorities))
    return True


def _run_to_time_limit(bootstrap):
  config = config_lib.DQNConfig(n_step=2, insert_batch=1, hidden_sizes=(8,),
                                bootstrap_truncation=bootstrap,
                                discount=0.9)
  env = batched_environments.make_batched_environment('cartpole', 2, 0)
  network = networks.make_network((4,), 2, config)
  writer = RecordingWriter()
  actor = actor_lib.DQNActor(network, 2, config, epsilon=0.0, writer=writer,
                             environment=env)
  observation = env.reset()
  actor.observe_first(observation)
  for _ in range(500):  # Balance both poles to the 500-step limit.
    state = env._env.state.T  # pylint: disable=protected-access
    action = (state[:, 2] + 0.5 * state[:, 3] > 0).astype(np.int32)
    actor.select_action(observation)
    observation, reward, discount, first = env.step(action)
    actor.observe(action, (observation, reward, discount, first))
  assert env.truncated.all(), 'both episodes should hit the time limit'
  last, _ = writer.batches[-1]  # The last step's transitions alone.
  return env, last


class TruncationTest(absltest.TestCase):

  def test_time_limit_bootstraps_from_the_last_observation(self):
    env, last = _run_to_time_limit(bootstrap=True)
    # The last step's transitions (2-step and 1-step) bootstrap with
    # gamma^k from the final observation, not from the next episode's first.
    np.testing.assert_allclose(sorted(last['discount']),
                               [0.81, 0.81, 0.9, 0.9], rtol=1e-6)
    for row in last['next_observation']:
      self.assertTrue(any(np.allclose(row, f) for f in env.final_observation))

  def test_without_bootstrap_the_time_limit_ends_with_zero(self):
    _, last = _run_to_time_limit(bootstrap=False)
    np.testing.assert_array_equal(last['discount'], 0.0)


class ExplorationTest(absltest.TestCase):

  def test_epsilon_one_is_uniform_and_zero_is_greedy(self):
    config = config_lib.DQNConfig(hidden_sizes=(8,))
    network = networks.make_network((4,), 2, config)
    observation = np.random.default_rng(0).normal(size=(1000, 4)).astype(
        np.float32)
    greedy = actor_lib.DQNActor(network, 1000, config, epsilon=0.0)
    q = network(tf.constant(observation)).q_values.numpy()
    np.testing.assert_array_equal(greedy.select_action(observation),
                                  q.argmax(1))
    uniform = actor_lib.DQNActor(network, 1000, config, epsilon=1.0, seed=3)
    actions = uniform.select_action(observation)
    self.assertBetween(actions.mean(), 0.45, 0.55)
    self.assertGreater((actions != q.argmax(1)).mean(), 0.4)


if __name__ == '__main__':
  absltest.main()
