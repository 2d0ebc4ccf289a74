"""The reach-and-push task: physics, rewards, starts, options, adapters."""

from absl.testing import absltest
from absl.testing import parameterized
import dm_env
from dm_env import specs
import numpy as np

from agents.common import batched_environments
from agents.common import environments
from agents.common import reach_push


def play(env, policy, rng):
  """The first episode of every copy of a BatchedReachPush.

  Checks on the way that no copy's episode ends before TIME_LIMIT steps
  and that all end then, by truncation: success never terminates one.

  Returns:
    rewards [TIME_LIMIT, B].
  """
  observation = env.reset()
  rewards = []
  for step in range(1, reach_push.TIME_LIMIT + 1):
    observation, reward, discount, first = env.step(policy(observation, rng))
    rewards.append(reward)
    ended = step == reach_push.TIME_LIMIT
    np.testing.assert_array_equal(first, ended)
    np.testing.assert_array_equal(env.truncated, ended)
    np.testing.assert_array_equal(discount, 0.0 if ended else 1.0)
  return np.stack(rewards)


def first_success(rewards):
  """Steps [B] (1-based) at which the block first reached the goal, from
  rewards [T, B] that are 1.0 exactly there (sparse or shaped); T + 1 for
  episodes that never reached it."""
  reached = rewards == 1.0
  return np.where(reached.any(axis=0), np.argmax(reached, axis=0) + 1,
                  len(rewards) + 1)


def scripted(observation, rng):
  del rng
  return reach_push.scripted_action(observation)


def uniform(observation, rng):
  return rng.uniform(-1.0, 1.0, (len(observation), 2)).astype(np.float32)


def block_goal_distance(task):
  return np.hypot(*(task.goal - task.block).T)


class ReachPushTest(parameterized.TestCase):

  def test_scripted_controller_solves_the_task_and_holds_the_goal(self):
    env = batched_environments.make_batched_environment('reach_push', 300, 1)
    rewards = play(env, scripted, None)
    reached_at = first_success(rewards)
    reached = reached_at <= reach_push.TIME_LIMIT
    returns = rewards.sum(axis=0)
    print(f'scripted push: reached the goal in {reached.mean():.1%} of 300 '
          f'episodes, at step {reached_at[reached].mean():.1f} on average; '
          f'sparse return {returns.mean():.2f}')
    # Measured: 100%, at step 13.8, return 87.2.
    self.assertGreaterEqual(reached.mean(), 0.9)
    self.assertGreater(returns.mean(), 60.0)
    # It holds the block: once in, in to the end (measured: every episode).
    for i in np.flatnonzero(reached):
      self.assertTrue(np.all(rewards[reached_at[i] - 1:, i] == 1.0), i)
    np.testing.assert_array_equal(
        returns[reached], reach_push.TIME_LIMIT + 1 - reached_at[reached])

  def test_scripted_controller_stops_pushing_in_the_goal(self):
    env = batched_environments.make_batched_environment('reach_push', 50, 2)
    task = env.task
    observation = env.reset()
    blocks, speeds = [], []
    for _ in range(reach_push.TIME_LIMIT - 1):  # The last step resets.
      observation, _, _, _ = env.step(reach_push.scripted_action(observation))
      blocks.append(task.block.copy())
      speeds.append(np.hypot(*task.velocity.T))
    blocks, speeds = np.stack(blocks), np.stack(speeds)  # [T, B, 2], [T, B]
    reached_at = first_success(
        (np.hypot(*(task.goal - blocks).transpose(2, 0, 1)) < 0.1) * 1.0)
    self.assertTrue(np.all(reached_at < 40))  # Measured: at most 28.
    for i, step in enumerate(reached_at):
      # The gripper, velocity-controlled, backs off at once: the block
      # rests where it entered the goal (blocks[step - 1]) to the end.
      np.testing.assert_array_equal(
          blocks[step - 1:, i],
          np.broadcast_to(blocks[-1, i], blocks[step - 1:, i].shape))
      self.assertLess(speeds[-1, i], 1e-6)

  def test_uniform_random_actions_rarely_solve_it(self):
    env = batched_environments.make_batched_environment('reach_push', 300, 1)
    rewards = play(env, uniform, np.random.default_rng(0))
    reached = first_success(rewards) <= reach_push.TIME_LIMIT
    returns = rewards.sum(axis=0)
    print(f'uniform random actions: reached the goal in {reached.mean():.1%} '
          f'of 300 episodes; sparse return {returns.mean():.2f}')
    # Measured: 0%, return 0.
    self.assertLessEqual(reached.mean(), 0.05)
    self.assertLess(returns.mean(), 1.0)

  @parameterized.named_parameters(('scripted', scripted),
                                  ('uniform', uniform))
  def test_sparse_reward_is_one_while_in_the_goal(self, policy):
    """Per step, 1.0 exactly when the block's centre is within 0.1 of the
    goal's after the step, computed here from the state."""
    task = reach_push.ReachPush(range(50))
    task.reset(np.ones(50, bool))
    rng = np.random.default_rng(0)
    steps_in_goal = np.zeros(50)
    returns = np.zeros(50)
    for _ in range(reach_push.TIME_LIMIT):
      reward, success = task.step(policy(task.observation(), rng))
      in_goal = np.hypot(*(task.goal - task.block).T) < 0.1
      np.testing.assert_array_equal(success, in_goal)
      np.testing.assert_array_equal(reward, np.where(in_goal, 1.0, 0.0))
      self.assertEqual(reward.dtype, np.float32)
      steps_in_goal += in_goal
      returns += reward
    np.testing.assert_array_equal(returns, steps_in_goal)

  def test_shaped_stages_are_reached_in_order(self):
    env = batched_environments.make_batched_environment(
        'reach_push', 50, 2, {'shaped_reward': True})
    task = env.task
    observation = env.reset()
    rewards, expected = [], []
    for _ in range(reach_push.TIME_LIMIT - 1):  # The last step resets.
      observation, reward, _, _ = env.step(
          reach_push.scripted_action(observation))
      # The stages, from the state, independently of the task's code.
      touching = (np.hypot(*(task.block[0] - task.gripper[0])) <=
                  0.05 + 0.05 + 0.01)
      to_goal = np.hypot(*(task.goal[0] - task.block[0]))
      expected.append(1.0 if to_goal < 0.1 else 0.25 if to_goal < 0.2 else
                      0.125 if touching else 0.0)
      rewards.append(reward[0])
    np.testing.assert_array_equal(rewards, expected)
    # Each stage's first step comes after the previous stage's, and the
    # goal, once reached, is held to the end.
    rewards = np.array(rewards)
    first_touch = np.argmax(rewards == 0.125)
    first_halfway = np.argmax(rewards == 0.25)
    first_goal = np.argmax(rewards == 1.0)
    self.assertEqual(rewards[0], 0.0)
    self.assertLess(0, first_touch)
    self.assertLess(first_touch, first_halfway)
    self.assertLess(first_halfway, first_goal)
    self.assertTrue(np.all(rewards[first_halfway:first_goal] == 0.25))
    self.assertTrue(np.all(rewards[first_goal:] == 1.0))
    # Over many episodes: only the stated values, and staying in the goal
    # pays more than any episode parked near it could (0.25 a step).
    rewards = play(env, scripted, None)
    self.assertTrue(set(np.unique(rewards)) <= {0.0, 0.125, 0.25, 1.0})
    np.testing.assert_array_equal(rewards[-1], 1.0)
    returns = rewards.sum(axis=0)
    print(f'scripted push, shaped return {returns.mean():.2f}')
    # Measured: 88.8; parked, at most 25.
    self.assertGreater(returns.mean(),
                       2 * reach_push.TIME_LIMIT * reach_push.HALFWAY_REWARD)

  @parameterized.parameters(0.0, 0.3, 1.0)
  def test_instructive_starts_happen_at_the_given_probability(self,
                                                              probability):
    env = batched_environments.make_batched_environment(
        'reach_push', 1000, 3, {'instructive_start_probability': probability})
    env.reset()
    rate = env.task.instructive_start.mean()
    print(f'instructive starts at probability {probability}: {rate:.3f}')
    # 4 standard deviations of a binomial proportion over 1000 copies.
    self.assertAlmostEqual(rate, probability,
                           delta=4 * np.sqrt(0.3 * 0.7 / 1000))
    if probability in (0.0, 1.0):
      self.assertEqual(rate, probability)

  def test_instructive_starts_lie_uniformly_along_the_scripted_push(self):
    def make(probability):
      return batched_environments.make_batched_environment(
          'reach_push', 300, 4,
          {'instructive_start_probability': probability})

    # The same seeds give the same layouts whatever the probability.
    standard, instructive = make(0.0), make(1.0)
    standard.reset()
    instructive.reset()
    np.testing.assert_array_equal(instructive.task.goal, standard.task.goal)
    # Nearer the goal than the standard starts of the same layouts.
    distance = block_goal_distance(instructive.task)
    standard_distance = block_goal_distance(standard.task)
    print(f'block-goal distance at the start: {distance.mean():.3f} '
          f'(instructive), {standard_distance.mean():.3f} (standard)')
    # Most of the push is the approach, the block still: about half the
    # starts have it moved (measured 58%: 0.36 vs 0.47 on average).
    self.assertLess(distance.mean(), 0.85 * standard_distance.mean())
    self.assertGreater(np.mean(distance < standard_distance - 0.01), 0.4)
    self.assertLess(np.max(distance - standard_distance), 0.02)
    full = first_success(play(make(0.0), scripted, None))
    remaining = first_success(play(make(1.0), scripted, None))
    # The controller is deterministic: from step k of its push it needs
    # full - k more steps to reach the goal, so k = full - remaining,
    # uniform in [0, full).
    self.assertTrue(np.all(full <= reach_push.TIME_LIMIT))
    self.assertTrue(np.all(remaining <= reach_push.TIME_LIMIT))
    steps_in = full - remaining
    self.assertGreaterEqual(steps_in.min(), 0)
    self.assertTrue(np.all(steps_in < full))
    fraction = (steps_in + 0.5) / full  # Uniform in (0, 1): mean 1/2.
    self.assertAlmostEqual(fraction.mean(), 0.5, delta=0.05)
    self.assertGreater(np.mean(steps_in == 0), 0.0)

  def test_observations_and_specs(self):
    env = environments.make_environment('reach_push', seed=5)
    self.assertEqual(env.observation_spec(),
                     specs.Array((12,), np.float32, name='observation'))
    spec = env.action_spec()
    self.assertEqual((spec.shape, spec.dtype), ((2,), np.float32))
    np.testing.assert_array_equal(spec.minimum, [-1.0, -1.0])
    np.testing.assert_array_equal(spec.maximum, [1.0, 1.0])
    timestep = env.reset()
    rng = np.random.default_rng(0)
    for _ in range(50):
      observation = timestep.observation
      self.assertEqual(observation.dtype, np.float32)
      spec.validate(rng.uniform(-1, 1, 2).astype(np.float32))
      gripper, velocity, block, goal = np.split(observation[:8], 4)
      np.testing.assert_allclose(observation[8:10], block - gripper,
                                 atol=1e-6)
      np.testing.assert_allclose(observation[10:12], goal - block, atol=1e-6)
      for position, radius in ((gripper, 0.05), (block, 0.05), (goal, 0.1)):
        self.assertTrue(np.all((position >= radius - 1e-6) &
                               (position <= 1 - radius + 1e-6)))
      # The discs never overlap (beyond rounding).
      self.assertGreaterEqual(np.hypot(*(block - gripper)), 0.1 - 1e-6)
      self.assertLessEqual(np.abs(velocity).max(), 1.0)
      timestep = env.step(np.array([1.0, 0.7], np.float32))

  def test_block_moves_only_when_pushed_and_stops(self):
    task = reach_push.ReachPush([0])
    task.gripper[:] = [[0.2, 0.5]]
    task.velocity[:] = 0.0
    task.block[:] = [[0.5, 0.5]]
    task.goal[:] = [[0.9, 0.9]]
    for _ in range(10):  # Gripper moves right: not yet touching.
      task.step(np.array([[1.0, 0.0]]))
      if task.gripper[0, 0] > 0.39:
        break
      np.testing.assert_array_equal(task.block, [[0.5, 0.5]])
    for _ in range(3):  # Now it pushes the block right, along the normal.
      task.step(np.array([[1.0, 0.0]]))
    self.assertGreater(task.block[0, 0], 0.5)
    self.assertAlmostEqual(task.block[0, 1], 0.5)
    self.assertAlmostEqual(task.block[0, 0] - task.gripper[0, 0], 0.1)
    for _ in range(3):  # Pulling back (the gripper first slows down).
      task.step(np.array([[-1.0, 0.0]]))
    self.assertLess(task.velocity[0, 0], 0.0)
    for _ in range(20):  # Untouched, the block stays where it is.
      before = task.block.copy()
      task.step(np.array([[-1.0, 0.0]]))
      np.testing.assert_array_equal(task.block, before)
    for _ in range(40):  # Into the wall: the block stops at it, so does
      task.step(np.array([[1.0, 0.0]]))  # the gripper, at its surface.
    self.assertAlmostEqual(task.block[0, 0], 0.95)
    self.assertAlmostEqual(task.gripper[0, 0], 0.85)
    self.assertAlmostEqual(task.velocity[0, 0], 0.0)

  def test_time_limit_truncates(self):
    env = environments.make_environment('reach_push', seed=0)
    env.reset()
    for step in range(1, reach_push.TIME_LIMIT + 1):
      timestep = env.step(np.zeros(2, np.float32))  # The block stays put.
      self.assertEqual(timestep.last(), step == reach_push.TIME_LIMIT)
    self.assertEqual(timestep.discount, 1.0)
    self.assertEqual(env.step(np.zeros(2)).step_type, dm_env.StepType.FIRST)

  @parameterized.named_parameters(('sparse', {}),
                                  ('shaped', {'shaped_reward': True}))
  def test_success_does_not_terminate(self, options):
    """Through two episodes of the scripted push: each lasts TIME_LIMIT
    steps, paying 1.0 per step with the block in the goal, and ends by
    truncation."""
    env = environments.make_environment('reach_push', 0, options)
    for _ in range(2):
      timestep = env.reset()
      rewards = []
      for step in range(1, reach_push.TIME_LIMIT + 1):
        timestep = env.step(reach_push.scripted_action(
            timestep.observation[None])[0])
        self.assertEqual(timestep.last(), step == reach_push.TIME_LIMIT)
        self.assertEqual(timestep.discount, 1.0)
        in_goal = np.hypot(*timestep.observation[10:12]) < 0.1
        self.assertEqual(timestep.reward == 1.0, in_goal)
        rewards.append(timestep.reward)
      self.assertEqual(timestep.step_type, dm_env.StepType.LAST)
      self.assertEqual(timestep.reward, 1.0)  # Held to the end.
      self.assertGreater(np.sum(np.array(rewards) == 1.0), 50)

  @parameterized.named_parameters(
      ('sparse', {}),
      ('shaped_instructive', {'shaped_reward': True,
                              'instructive_start_probability': 0.5}))
  def test_batched_copies_are_single_copies(self, options):
    """Copy i of a batch seeded s plays the episodes of the single copy
    seeded actor_seed(s, i), given the same actions."""
    batched = batched_environments.make_batched_environment(
        'reach_push', 3, 7, options)
    singles = [environments.make_environment(
        'reach_push', environments.actor_seed(7, i), options)
               for i in range(3)]
    observation = batched.reset()
    np.testing.assert_array_equal(
        observation, np.stack([s.reset().observation for s in singles]))
    rng = np.random.default_rng(0)
    ends, steps_in_goal = 0, 0
    for step in range(1, 251):
      # Mostly the scripted push, so that episodes succeed too.
      actions = reach_push.scripted_action(observation)
      actions += rng.normal(0.0, 0.3, actions.shape).astype(np.float32)
      observation, reward, discount, first = batched.step(actions)
      steps_in_goal += np.sum(reward == 1.0)
      # Episodes end at the time limit only, by truncation.
      np.testing.assert_array_equal(first,
                                    step % reach_push.TIME_LIMIT == 0)
      np.testing.assert_array_equal(batched.truncated, first)
      for i, single in enumerate(singles):
        timestep = single.step(actions[i])
        self.assertEqual(reward[i], timestep.reward)
        np.testing.assert_array_equal(batched.final_observation[i],
                                      timestep.observation)
        self.assertEqual(first[i], timestep.last())
        if timestep.last():
          ends += 1
          self.assertEqual(timestep.discount, 1.0)  # dm_env.truncation.
          self.assertEqual(discount[i], 0.0)  # The batch convention.
          timestep = single.reset()
        np.testing.assert_array_equal(observation[i], timestep.observation)
    self.assertEqual(ends, 6)
    self.assertGreater(steps_in_goal, 100)  # Through successes, too.

  @parameterized.named_parameters(
      ('unknown', {'shaped': True}, 'shaped'),
      ('shaped_not_bool', {'shaped_reward': 1}, 'shaped_reward'),
      ('probability_negative', {'instructive_start_probability': -0.1},
       'instructive_start_probability'),
      ('probability_above_one', {'instructive_start_probability': 1.5},
       'instructive_start_probability'),
      ('probability_not_number', {'instructive_start_probability': 'half'},
       'instructive_start_probability'),
      ('probability_bool', {'instructive_start_probability': True},
       'instructive_start_probability'))
  def test_bad_options_raise_naming_the_option(self, options, option):
    with self.assertRaisesRegex(ValueError, option):
      reach_push.ReachPushOptions.from_dict(options)
    with self.assertRaisesRegex(ValueError, option):
      environments.make_environment('reach_push', 0, options)
    with self.assertRaisesRegex(ValueError, option):
      batched_environments.make_batched_environment('reach_push', 2, 0,
                                                    options)


if __name__ == '__main__':
  absltest.main()
