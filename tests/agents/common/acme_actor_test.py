"""The acme adapter: acme.EnvironmentLoop drives a batched actor of one
environment with exactly the stream a batched environment would give it."""

from absl.testing import absltest
import acme
import dm_env
from dm_env import specs
import numpy as np

from agents.common import acme_actor
from agents.common import environments


class Recorder:
  """A batched actor that records what it is given (B = 1)."""

  def __init__(self):
    self.calls = []

  def observe_first(self, observation):
    self.calls.append(('first', observation.copy()))

  def select_action(self, observation):
    self.calls.append(('select', observation.copy()))
    return np.zeros(1, np.int32)

  def observe(self, action, next_step):
    self.calls.append(('observe', action.copy(),
                       tuple(np.array(x) for x in next_step)))

  def update(self, wait=False):
    del wait


class Recording(dm_env.Environment):
  """Records the timesteps an environment returns."""

  def __init__(self, environment):
    self._environment = environment
    self.timesteps = []

  def reset(self):
    self.timesteps.append(self._environment.reset())
    return self.timesteps[-1]

  def step(self, action):
    self.timesteps.append(self._environment.step(action))
    return self.timesteps[-1]

  def observation_spec(self):
    return self._environment.observation_spec()

  def action_spec(self):
    return self._environment.action_spec()


class Truncated(dm_env.Environment):
  """Episodes of 3 steps, cut by a time limit (last discount 1)."""

  def __init__(self):
    self._t = 0

  def reset(self):
    self._t = 0
    return dm_env.restart(np.zeros(2, np.float32))

  def step(self, action):
    self._t += 1
    observation = np.full(2, self._t, np.float32)
    if self._t == 3:
      return dm_env.truncation(1.0, observation)
    return dm_env.transition(1.0, observation)

  def observation_spec(self):
    return specs.Array((2,), np.float32)

  def action_spec(self):
    return specs.DiscreteArray(2)


class EnvironmentActorTest(absltest.TestCase):

  def test_episode_ends_arrive_with_the_next_first_observation(self):
    environment = Recording(environments.make_environment('catch', seed=0))
    recorder = Recorder()
    actor = acme_actor.make(environment, lambda view: recorder)
    acme.EnvironmentLoop(environment, actor).run(num_episodes=3)
    timesteps = environment.timesteps
    self.assertLen(timesteps, 30)  # Catch: 9 steps + a reset per episode.
    observes = [c for c in recorder.calls if c[0] == 'observe']
    # 27 steps; the last one of the final episode has no next episode.
    self.assertLen(observes, 26)
    self.assertEqual(recorder.calls[0][0], 'first')
    np.testing.assert_array_equal(recorder.calls[0][1][0],
                                  timesteps[0].observation)
    self.assertEqual(sum(c[0] == 'first' for c in recorder.calls), 1)
    # The stream a batched environment gives: step k (0-8) of episode e is
    # timesteps[10 e + k + 1]; an episode's last step (k = 8) comes with the
    # next episode's first observation, first True and discount 0.
    stream = [t for i, t in enumerate(timesteps) if i % 10 != 0]
    for i, (_, action, (observation, reward, discount, first)) in enumerate(
        observes):
      self.assertEqual(action.shape, (1,))
      self.assertEqual(reward[0], stream[i].reward)
      ends = stream[i].last()
      self.assertEqual(bool(first[0]), ends)
      self.assertEqual(discount[0], 0.0 if ends else 1.0)
      episode, k = divmod(i, 9)
      expected = timesteps[10 * (episode + 1) if ends else
                           10 * episode + k + 1].observation
      np.testing.assert_array_equal(observation[0], expected)
    # Every action was selected for the observation the actor last saw.
    selects = [c[1] for c in recorder.calls if c[0] == 'select']
    self.assertLen(selects, 27)
    np.testing.assert_array_equal(selects[9][0], timesteps[10].observation)

  def test_truncation_is_reported_as_batched_environments_do(self):
    seen = []

    class Checker(Recorder):

      def observe(self, action, next_step):
        seen.append((bool(view.truncated[0]), view.final_observation.copy(),
                     bool(next_step[3][0])))

    checker = Checker()
    view = None

    def make(v):
      nonlocal view
      view = v
      return checker

    environment = Truncated()
    actor = acme_actor.make(environment, make)
    acme.EnvironmentLoop(environment, actor).run(num_episodes=2)
    # Episode 1: 2 mid steps, then its truncated last step with episode 2's
    # first observation; episode 2's mid steps; its last step is held.
    self.assertEqual([(t, f) for t, _, f in seen],
                     [(False, False), (False, False), (True, True),
                      (False, False), (False, False)])
    np.testing.assert_array_equal(seen[2][1], [[3.0, 3.0]])

  def test_continuous_actions_reach_the_actor_as_float_vectors(self):
    environment = environments.make_environment('reacher/easy', seed=0)
    view = acme_actor.SingleEnvironmentView(environment)
    self.assertIsNone(view.num_actions)
    self.assertEqual(view.action_shape, (2,))
    np.testing.assert_array_equal(view.action_minimum, [-1.0, -1.0])
    batched = view.batch_action(np.array([0.5, -0.25]))
    self.assertEqual(batched.dtype, np.float32)
    np.testing.assert_array_equal(batched, [[0.5, -0.25]])
    discrete = acme_actor.SingleEnvironmentView(
        environments.make_environment('catch', seed=0))
    self.assertEqual(discrete.batch_action(np.int64(2)).dtype, np.int32)


if __name__ == '__main__':
  absltest.main()
