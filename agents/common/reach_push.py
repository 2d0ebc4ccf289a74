"""Reach and push: a sparse-goal pushing task in NumPy, B copies at once.

After Popov et al. 2017 ("Data-efficient deep reinforcement learning for
dexterous manipulation"): a point-mass "gripper" must push a block into a
goal region and keep it there, rewarded only while it is there; their two
aids to exploration are options here, off by default (the evaluator plays
the real task: sparse reward, standard starts).

World: the unit box [0, 1]^2, time step DT.
  gripper  a disc of GRIPPER_RADIUS, velocity-controlled as Popov et al.'s
           arm is (joint velocities): the action a in [-1, 1]^2 (clipped)
           is its velocity in units of MAX_SPEED, v = MAX_SPEED * a,
           p += DT * v. The walls stop it (the velocity into a wall is
           lost), and so does a block held by a wall.
  block    a disc of BLOCK_RADIUS, pushed kinematically: when the gripper
           overlaps it, it moves along the contact normal by the
           penetration. It has no velocity of its own (quasi-static
           pushing: friction stops it within the step), so the observation
           below is the whole state. Against a wall it stays and the
           gripper stops at its surface.
  goal     a disc of GOAL_RADIUS, at least MIN_GOAL_DISTANCE from the block
           at the start.
Layouts (gripper, block, goal) are random, from each copy's own seed.

Observation (float32 [12]): gripper position (2), gripper velocity (2),
block position (2), goal position (2), block - gripper (2),
goal - block (2).

Episodes never terminate: as in Popov et al., every episode lasts
TIME_LIMIT (100) steps and ends by truncation (dm_env.truncation, discount
1; agents that bootstrap through time limits treat the task as unending).
Success (the block's centre within GOAL_RADIUS of the goal's) is a state,
not an end: the block may be pushed out again.

Rewards, per step, of the state after the step:
  sparse (default)  SUCCESS_REWARD (1.0) while the block's centre is in the
                    goal, else 0: a return counts the steps spent at the
                    goal.
  shaped            Popov's composite reward: each step pays the value of
                    the highest stage the state after it reaches
                    (piecewise constant, not a potential):
                      0      none of the below
                      0.125  TOUCH_REWARD: the gripper touches the block
                             (centres within GRIPPER_RADIUS + BLOCK_RADIUS
                             + CONTACT_TOLERANCE = 0.11)
                      0.25   HALFWAY_REWARD: the block's centre is within
                             HALFWAY_RADIUS (0.2, halfway between the goal
                             radius and the nearest start) of the goal's
                             centre, touched or not
                      1.0    SUCCESS_REWARD: the block's centre is within
                             GOAL_RADIUS (0.1).
Under both, staying at the goal pays most: no step pays more than a step
with the block in the goal, so the best policy reaches it as fast as it
can and holds it there; parking the block near it earns at most 0.25 a
step. (Were success to end the episode, parking for up to 100 steps would
earn up to 25 against 1.0 once for succeeding: shaping would teach
parking.)

Scripted controller (`scripted_action`): get behind the block, push it
toward the goal (at half speed), and once it is in, stop pushing and back
off. Measured returns over 1000 seeded episodes
(`make_batched_environment('reach_push', 1000, 0)`): scripted 87.2 sparse
(it reaches the goal in all of them, in 13.8 steps on average, at most 24,
then holds it), 88.2 shaped; uniform random actions 0.0 sparse (never
reaches it), 0.6 shaped.

Instructive starts (option): with probability p an episode starts from a
state of the scripted controller's push of that episode's layout, picked
uniformly among the states before the block first reaches the goal.
"""

import collections
import dataclasses
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

import dm_env
from dm_env import specs
import numpy as np

# World (unit box; lengths in box units, time in seconds).
DT = 0.1  # Seconds per step.
GRIPPER_RADIUS = 0.05
BLOCK_RADIUS = 0.05
GOAL_RADIUS = 0.1
# Box units / s at |action| = 1: 0.1 per step, so the box is crossed in 10
# steps and the gripper (0.1 across) cannot tunnel through the block.
# (An earlier force-controlled gripper, a damped double integrator with the
# same top speed, coasted 0.4 box units from top speed: DPG-R with shaping
# and instructive starts never got the block into the goal in 7 minutes.)
MAX_SPEED = 1.0
CONTACT_DISTANCE = GRIPPER_RADIUS + BLOCK_RADIUS
# Centres this much beyond contact still count as touching: after a push
# the two discs are exactly in contact, and float rounding must not decide.
CONTACT_TOLERANCE = 0.01
# The block starts away from the walls, so it can be pushed toward any goal
# (the gripper fits behind it); the goal disc lies inside the box.
BLOCK_START_LOW, BLOCK_START_HIGH = 0.2, 0.8
GOAL_LOW, GOAL_HIGH = GOAL_RADIUS, 1.0 - GOAL_RADIUS
GRIPPER_START_LOW, GRIPPER_START_HIGH = 0.1, 0.9
MIN_GOAL_DISTANCE = 0.3  # Block to goal centres at the start.
HALFWAY_RADIUS = 0.5 * (GOAL_RADIUS + MIN_GOAL_DISTANCE)
# Steps per episode (truncation): the scripted push reaches the goal in 14
# on average, at most 24 (measured over 1000 layouts), which leaves most
# of the episode to be spent there.
TIME_LIMIT = 100

SUCCESS_REWARD = 1.0
TOUCH_REWARD = 0.125
HALFWAY_REWARD = 0.25

OBSERVATION_SIZE = 12
ACTION_SHAPE = (2,)
ACTION_MINIMUM = -1.0
ACTION_MAXIMUM = 1.0

# Scripted controller: a proportional law to a waypoint; with the velocity-
# controlled gripper each step closes DT * _KP / MAX_SPEED = half of the
# remaining distance (below top speed), without overshoot.
_KP = 5.0
_BEHIND = CONTACT_DISTANCE + 0.02  # Pushing point: this far behind the block.
_LANE = CONTACT_DISTANCE + 0.05  # Side lane to get around the block.
_ALIGNED = 0.4 * CONTACT_DISTANCE  # Lateral offset under which it pushes.
_PUSH_AHEAD = 0.2  # While pushing, aim this far beyond the block.
_STEER = 3.0  # > (_PUSH_AHEAD + CONTACT_DISTANCE) / CONTACT_DISTANCE - 1.
# Pushing speed (fraction of MAX_SPEED): at full speed a steering step
# carries the gripper across the block's back (measured: 8% of pushes
# reached the goal); at 0.3, 0.5 and 0.7 all of 300 did.
_PUSH_SPEED = 0.5
# Holding: the gripper backs off to this distance from the block's centre,
# and brakes where it is if already farther.
_STANDOFF = CONTACT_DISTANCE + 0.05
# Episode starts drawn per copy at a time: one scripted rollout then serves
# many instructive starts (a rollout of 16 layouts costs little more than
# one of 1: the per-step NumPy calls dominate). Episodes do not depend on it.
START_BATCH = 16


@dataclasses.dataclass(frozen=True)
class ReachPushOptions:
  """The task's options (`make_environment(..., options=)`)."""
  # Popov's staged reward (module docstring) instead of the sparse one.
  shaped_reward: bool = False
  # Probability that an episode starts part-way along the scripted push.
  instructive_start_probability: float = 0.0

  def __post_init__(self):
    if not isinstance(self.shaped_reward, (bool, np.bool_)):
      raise ValueError(f'reach_push option shaped_reward='
                       f'{self.shaped_reward!r} must be True or False.')
    probability = self.instructive_start_probability
    if (isinstance(probability, (bool, np.bool_)) or
        not isinstance(probability, (int, float, np.integer, np.floating)) or
        not 0.0 <= probability <= 1.0):
      raise ValueError(f'reach_push option instructive_start_probability='
                       f'{probability!r} must be a number in [0, 1].')

  @classmethod
  def from_dict(cls, options: Optional[Mapping[str, Any]]
               ) -> 'ReachPushOptions':
    """Options from a dict; raises ValueError naming an unknown option."""
    options = dict(options or {})
    known = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(options) - set(known))
    if unknown:
      raise ValueError(f'Unknown reach_push option(s) {", ".join(unknown)}; '
                       f'known: {", ".join(known)}.')
    return cls(**options)


def observe(gripper: np.ndarray, velocity: np.ndarray, block: np.ndarray,
            goal: np.ndarray) -> np.ndarray:
  """The observation [B, 12] of positions and velocity [B, 2] each."""
  return np.concatenate([gripper, velocity, block, goal, block - gripper,
                         goal - block], axis=1).astype(np.float32)


# The maths below works on [B] columns with ufuncs: on an actor's small
# arrays ([16, 2]) np.clip measured 4x np.minimum(np.maximum()), and a sum
# over an axis 5x np.hypot, both per-call overheads.


def _norm(x: np.ndarray) -> np.ndarray:
  return np.hypot(x[:, 0], x[:, 1])


def _dot(a: np.ndarray, b: np.ndarray) -> np.ndarray:
  return a[:, 0] * b[:, 0] + a[:, 1] * b[:, 1]


def _clip(x: np.ndarray, low: float, high: float) -> np.ndarray:
  return np.minimum(np.maximum(x, low), high)


def scripted_action(observation: np.ndarray) -> np.ndarray:
  """The scripted push: actions [B, 2] for observations [B, 12].

  A PD law to a waypoint in the frame of the push (along: block -> goal,
  lateral): aligned behind the block, aim through it at the goal; behind
  it but off the line, go to the pushing point just behind it; beside or
  in front of it, go around by a side lane (sideways first, then back),
  so as not to push the block away from the goal. Once the block's centre
  is in the goal, hold: back away from the block to _STANDOFF, or brake
  where the gripper is if farther.

  Args:
    observation: [B, 12] (module docstring).

  Returns:
    Actions float32 [B, 2] in [-1, 1].
  """
  observation = np.asarray(observation, np.float64)
  gripper = observation[:, 0:2]
  block, to_goal = observation[:, 4:6], observation[:, 10:12]
  along_unit = to_goal / np.maximum(_norm(to_goal), 1e-9)[:, None]
  lateral_unit = along_unit[:, ::-1] * np.array([-1.0, 1.0])
  offset = gripper - block
  along, lateral = _dot(offset, along_unit), _dot(offset, lateral_unit)  # [B]
  around = along > -0.5 * CONTACT_DISTANCE
  in_lane = np.abs(lateral) > CONTACT_DISTANCE + 0.02
  push = ~around & (np.abs(lateral) < _ALIGNED)
  target_along = np.where(around & ~in_lane, along, -_BEHIND)
  target_lateral = np.where(around, np.where(lateral >= 0.0, _LANE, -_LANE),
                            0.0)
  # The block moves along the contact normal, so an offset contact turns it
  # off the line by lateral / CONTACT_DISTANCE per unit pushed; steering
  # _STEER * lateral the other way brings the gripper back faster.
  target_along = np.where(push, _PUSH_AHEAD, target_along)
  target_lateral = np.where(push, -_STEER * lateral, target_lateral)
  target = (block + target_along[:, None] * along_unit +
            target_lateral[:, None] * lateral_unit)
  # In the goal, hold. Pushing on would keep shoving the block about (the
  # push aims _PUSH_AHEAD beyond it, and past the goal's centre the
  # controller circles round it: measured, blocks still moved up to 0.11
  # after reaching the goal), each shove a chance to push it out. The
  # gripper retreats along the contact normal instead: measured over 300
  # layouts, every block came to rest at once and stayed in the goal to the
  # end, 0.07 from its centre on average.
  distance = np.maximum(_norm(offset), 1e-9)  # [B]
  standoff = np.maximum(distance, _STANDOFF)  # [B]
  retreat = block + (standoff / distance)[:, None] * offset
  in_goal = _norm(to_goal) < GOAL_RADIUS  # [B]
  target = np.where(in_goal[:, None], retreat, target)
  action = (_KP / MAX_SPEED) * (target - gripper)
  # Scaled, not clipped per axis, into [-1, 1]^2 (keeps the direction), and
  # to _PUSH_SPEED while pushing.
  limit = np.where(push & ~in_goal, _PUSH_SPEED, 1.0)
  scale = np.maximum(np.maximum(np.abs(action[:, 0]), np.abs(action[:, 1])),
                     limit) / limit
  return (action / scale[:, None]).astype(np.float32)


def _physics(gripper: np.ndarray, velocity: np.ndarray, block: np.ndarray,
             action: np.ndarray) -> Tuple[np.ndarray, ...]:
  """One step of the world: new (gripper, velocity, block) [B, 2] each."""
  action = _clip(np.asarray(action, np.float64), ACTION_MINIMUM,
                 ACTION_MAXIMUM)
  velocity = MAX_SPEED * action
  gripper, velocity = _walls(gripper + DT * velocity, velocity,
                             GRIPPER_RADIUS)
  # The block moves out of the gripper along the contact normal.
  normal, penetration = _contact(gripper, block)
  block = _clip(block + normal * np.maximum(penetration, 0.0)[:, None],
                BLOCK_RADIUS, 1.0 - BLOCK_RADIUS)
  # A block held by a wall did not move far enough: the gripper stops at
  # its surface, losing its velocity into the block.
  normal, penetration = _contact(gripper, block)
  blocked = penetration > 0.0
  if blocked.any():
    gripper = gripper - normal * (penetration * blocked)[:, None]
    into = np.maximum(_dot(velocity, normal), 0.0) * blocked
    gripper, velocity = _walls(gripper, velocity - normal * into[:, None],
                               GRIPPER_RADIUS)
  return gripper, velocity, block


def _walls(position: np.ndarray, velocity: np.ndarray,
           radius: float) -> Tuple[np.ndarray, np.ndarray]:
  """Positions kept in the box; velocities into a wall zeroed."""
  clipped = _clip(position, radius, 1.0 - radius)
  return clipped, velocity * (clipped == position)


def _contact(gripper: np.ndarray,
             block: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """Unit normals gripper -> block [B, 2] and penetrations [B]."""
  offset = block - gripper
  distance = _norm(offset)
  # Coincident centres (never seen): push along +x, not divide by zero.
  normal = np.where((distance > 1e-9)[:, None],
                    offset / np.maximum(distance, 1e-9)[:, None],
                    np.array([1.0, 0.0]))
  return normal, CONTACT_DISTANCE - distance


def _success(block: np.ndarray, goal: np.ndarray) -> np.ndarray:
  return _norm(goal - block) < GOAL_RADIUS


def _shaped_reward(gripper: np.ndarray, block: np.ndarray,
                   goal: np.ndarray) -> np.ndarray:
  """The staged reward [B] of states (module docstring)."""
  to_goal = _norm(goal - block)
  touching = _norm(block - gripper) <= CONTACT_DISTANCE + CONTACT_TOLERANCE
  reward = np.where(touching, TOUCH_REWARD, 0.0)
  reward = np.where(to_goal < HALFWAY_RADIUS, HALFWAY_REWARD, reward)
  return np.where(to_goal < GOAL_RADIUS, SUCCESS_REWARD, reward)


class ReachPush:
  """The task for B copies, each with its own seed; no episode bookkeeping.

  `reset(mask)` starts new episodes where mask is True; `step(actions)`
  steps every copy and returns (reward [B], success [B]); the caller ends
  episodes (by truncation after TIME_LIMIT steps; success never ends one)
  and resets.
  Copy i follows only seeds[i] and its own actions, so B copies with seeds
  s_i play the episodes of B single copies seeded s_i.

  Attributes:
    gripper, velocity, block, goal: the state, float64 [B, 2] each.
    instructive_start: bool [B], whether the current episode of each copy
      started from the scripted push.
  """

  def __init__(self, seeds: Sequence[int],
               options: Optional[Mapping[str, Any]] = None):
    self.options = ReachPushOptions.from_dict(options)
    self.num_envs = len(seeds)
    self._rngs = [np.random.default_rng(seed) for seed in seeds]
    # Per copy, the starts of its next episodes: ([4, 2] gripper, velocity,
    # block, goal; instructive).
    self._starts = [collections.deque() for _ in seeds]
    shape = (self.num_envs, 2)
    self.gripper = np.full(shape, 0.5)
    self.velocity = np.zeros(shape)
    self.block = np.full(shape, 0.5)
    self.goal = np.full(shape, 0.5)
    self.instructive_start = np.zeros(self.num_envs, bool)

  def observation(self) -> np.ndarray:
    """Observations float32 [B, 12] (module docstring)."""
    return observe(self.gripper, self.velocity, self.block, self.goal)

  def reset(self, mask: np.ndarray) -> None:
    """New episodes for the copies where `mask` [B] is True."""
    indices = np.flatnonzero(mask)
    self._draw_starts([i for i in indices if not self._starts[i]])
    for i in indices:
      state, self.instructive_start[i] = self._starts[i].popleft()
      self.gripper[i], self.velocity[i], self.block[i], self.goal[i] = state

  def _draw_starts(self, copies: Sequence[int]) -> None:
    """Queues the next START_BATCH episode starts of each of `copies`.

    Each episode draws from its copy's generator a layout, a coin (drawn
    even with probability 0, so layouts do not depend on it) and a
    fraction of the scripted push to start from: the draws never depend on
    the push, which is rolled out for all instructive starts at once.
    """
    if not copies:
      return
    owners = np.repeat(copies, START_BATCH)
    layouts, coins, fractions = [], [], []
    for i in owners:
      layouts.append(_layout(self._rngs[i]))
      coins.append(self._rngs[i].random())
      fractions.append(self._rngs[i].random())
    states = np.array(layouts)[:, [0, 0, 1, 2]]  # [n, 4, 2]
    states[:, 1] = 0.0  # At rest.
    instructive = np.array(coins) < self.options.instructive_start_probability
    if instructive.any():
      trajectory, lengths = _scripted_push(states[instructive])
      steps = (np.array(fractions)[instructive] * lengths).astype(int)
      states[instructive, :3] = trajectory[steps, np.arange(len(steps))]
    for i, state, flag in zip(owners, states, instructive):
      self._starts[i].append((state, flag))

  def step(self, actions: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """Steps every copy with actions [B, 2] in [-1, 1] (clipped).

    Returns:
      (reward float32 [B], success bool [B]): success is the block being
      in the goal after the step (an observation for the caller to count,
      never an episode end).
    """
    self.gripper, self.velocity, self.block = _physics(
        self.gripper, self.velocity, self.block, actions)
    success = _success(self.block, self.goal)
    if self.options.shaped_reward:
      reward = _shaped_reward(self.gripper, self.block, self.goal)
    else:
      reward = success * SUCCESS_REWARD
    return reward.astype(np.float32), success


def _layout(rng: np.random.Generator) -> np.ndarray:
  """A random start [3, 2]: gripper, block, goal positions."""
  block = rng.uniform(BLOCK_START_LOW, BLOCK_START_HIGH, 2)
  goal = rng.uniform(GOAL_LOW, GOAL_HIGH, 2)
  while np.hypot(*(goal - block)) < MIN_GOAL_DISTANCE:  # ~1.7 draws.
    goal = rng.uniform(GOAL_LOW, GOAL_HIGH, 2)
  gripper = rng.uniform(GRIPPER_START_LOW, GRIPPER_START_HIGH, 2)
  while np.hypot(*(gripper - block)) < CONTACT_DISTANCE + CONTACT_TOLERANCE:
    gripper = rng.uniform(GRIPPER_START_LOW, GRIPPER_START_HIGH, 2)
  return np.stack([gripper, block, goal])


def _scripted_push(starts: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
  """The scripted controller's pushes from n starts at once.

  Args:
    starts: [n, 4, 2] gripper, velocity, block, goal.

  Returns:
    (trajectory [T, n, 3, 2] of (gripper, velocity, block) from the start,
    lengths [n]): the states of push i before the block first reaches the
    goal are trajectory[:lengths[i], i]; a push that does not reach it in
    TIME_LIMIT steps counts all TIME_LIMIT.
  """
  gripper, velocity, block, goal = (starts[:, k] for k in range(4))
  states = [starts[:, :3]]
  lengths = np.full(len(starts), TIME_LIMIT)
  running = np.ones(len(starts), bool)
  for t in range(1, TIME_LIMIT):
    action = scripted_action(observe(gripper, velocity, block, goal))
    gripper, velocity, block = _physics(gripper, velocity, block, action)
    success = _success(block, goal)
    lengths[running & success] = t
    running &= ~success
    if not running.any():
      break
    states.append(np.stack([gripper, velocity, block], axis=1))
  return np.stack(states), lengths


def action_spec() -> specs.BoundedArray:
  """Forces in [-1, 1]^2, float32."""
  return specs.BoundedArray(ACTION_SHAPE, np.float32,
                            np.full(ACTION_SHAPE, ACTION_MINIMUM, np.float32),
                            np.full(ACTION_SHAPE, ACTION_MAXIMUM, np.float32),
                            name='action')


class ReachPushEnvironment(dm_env.Environment):
  """One copy of the task as a dm_env.Environment (`make_environment`);
  every episode ends by truncation after TIME_LIMIT steps."""

  def __init__(self, seed: int, options: Optional[Dict[str, Any]] = None):
    self._task = ReachPush([seed], options)
    self._steps = 0
    self._reset_next = True

  @property
  def task(self) -> ReachPush:
    """The underlying one-copy task (its state, `instructive_start`)."""
    return self._task

  def reset(self) -> dm_env.TimeStep:
    self._task.reset(np.ones(1, bool))
    self._steps = 0
    self._reset_next = False
    return dm_env.restart(self._task.observation()[0])

  def step(self, action) -> dm_env.TimeStep:
    if self._reset_next:
      return self.reset()
    reward, _ = self._task.step(
        np.asarray(action, np.float32).reshape((1,) + ACTION_SHAPE))
    self._steps += 1
    observation = self._task.observation()[0]
    # Success does not end the episode (module docstring): staying pays.
    if self._steps >= TIME_LIMIT:
      self._reset_next = True
      return dm_env.truncation(reward[0], observation)
    return dm_env.transition(reward[0], observation)

  def observation_spec(self) -> specs.Array:
    return specs.Array((OBSERVATION_SIZE,), np.float32, name='observation')

  def action_spec(self) -> specs.BoundedArray:
    return action_spec()
