"""Environment names -> `dm_env.Environment` with float32 observations.

Known names:
  catch                  bsuite Catch (10x5 board, 3 actions).
  cartpole               gymnasium CartPole-v1 behind a dm_env adapter.
  cartpole_no_velocity   CartPole-v1 observing only the cart position and
                         the pole angle: the velocities must be inferred
                         from the history (a memory task, as in the
                         recurrent-RL literature's "CartPole-P").
  cartpole_1ms           CartPole-v1 whose every step also burns 1 ms of CPU
                         (STEP_COST_SECONDS), as a simulator's would: for
                         sampling benchmarks.
  pendulum               gymnasium Pendulum-v1 (continuous torque in
                         [-2, 2]; 200 steps, ended by truncation).
  reach_push             `agents.common.reach_push`: push a block into a
                         goal, sparse reward (gripper velocity in
                         [-1, 1]^2; options: shaped_reward,
                         instructive_start_probability).
  grid_world             not an environment: the sparse grid-world model
                         of `agents.value_iteration` (MODEL_NAMES);
                         `make_environment` refuses it.
  tic_tac_toe,           not environments: two-player games of
  connect_four           `agents.alphazero.games` (GAME_NAMES), for the
                         alphazero program; `make_environment` refuses them.
  chain_walk             `agents.common.chain_walk`: Lagoudakis & Parr's
                         20-state chain (one-hot states, LEFT/RIGHT; 100
                         steps, ended by truncation); LSPI's task.
  minatar/<game>         MinAtar breakout, asterix, freeway, seaquest,
                         space_invaders (10x10xC boards, minimal action set).
  <domain>/<task>        dm_control suite tasks, e.g. cartpole/swingup
                         (observations flattened into one float32 vector,
                         float32 actions).

Discrete actions have a `specs.DiscreteArray` spec; continuous ones a
float32 `specs.BoundedArray`.

Every environment is seeded by `seed`; actors pass `(config.seed, actor_id)`
through `actor_seed` so two actors never play the same episodes and a run is
reproducible.
"""

import threading
import time
from typing import Any, Dict, Mapping, Optional, Tuple

import dm_env
from dm_env import specs
import numpy as np

from agents.common import chain_walk
from agents.common import reach_push

MINATAR_GAMES = ('breakout', 'asterix', 'freeway', 'seaquest',
                 'space_invaders')
DIRECT_NAMES = ('catch', 'cartpole', 'cartpole_no_velocity', 'cartpole_1ms',
                'pendulum', 'reach_push', 'chain_walk')
# cartpole_1ms: CartPole-v1 whose every environment step also burns this
# much CPU, as a simulator's would; for sampling benchmarks (issue 14).
STEP_COST_SECONDS = 0.001
# Tasks given as a model (P, R) for dynamic programming
# (agents.value_iteration), not as an environment to act in: the launcher
# accepts the name, `make_environment` refuses it, naming the program.
MODEL_NAMES = ('grid_world',)
# Two-player board games (agents.alphazero.games): only programs that play
# both sides take them; `make_environment` refuses them, naming the program.
GAME_NAMES = ('tic_tac_toe', 'connect_four')
# Tasks that take options (make_environment's `options`).
OPTION_NAMES = ('reach_push',)
# What cartpole_no_velocity observes of CartPole's (x, x', theta, theta').
CARTPOLE_POSITIONS = (0, 2)


def actor_seed(seed: int, actor_id: int) -> int:
  """A per-actor seed derived from the run seed; distinct for every actor."""
  return int(np.random.SeedSequence([seed, actor_id]).generate_state(1)[0])


def known_names() -> Tuple[str, ...]:
  """The names `make_environment` accepts (dm_control as `<domain>/<task>`)."""
  return (DIRECT_NAMES + MODEL_NAMES + GAME_NAMES +
          tuple(f'minatar/{g}' for g in MINATAR_GAMES) +
          ('<dm_control domain>/<task>',))


def validate_name(name: str) -> None:
  """Raises ValueError naming the allowed values if `name` is unknown.

  Cheap: imports dm_control only for `<domain>/<task>` names.
  """
  if name in DIRECT_NAMES or name in MODEL_NAMES or name in GAME_NAMES:
    return
  if '/' in name:
    family, game = name.split('/', 1)
    if family == 'minatar':
      if game in MINATAR_GAMES:
        return
      raise ValueError(f'Unknown environment {name!r}: MinAtar games are '
                       f'{", ".join(MINATAR_GAMES)}.')
    from dm_control import suite  # pylint: disable=g-import-not-at-top
    if (family, game) in suite.ALL_TASKS:
      return
  raise ValueError(
      f'Unknown environment {name!r}. Known: {", ".join(known_names())} '
      '(dm_control tasks such as cartpole/swingup, walker/walk).')


# Environments are built under this lock: nodes colocated as threads of one
# process (launch/colocation.py) build theirs at the same moment, and
# gymnasium's lazy imports of its environment modules are not thread-safe
# (seen: KeyError: 'gymnasium.envs.classic_control' in a colocated launch).
CONSTRUCTION_LOCK = threading.RLock()


def validate_options(name: str,
                     options: Optional[Mapping[str, Any]]) -> None:
  """Checks `options` for task `name`; None or {} suits every task.

  Raises:
    ValueError: options given to a task that takes none (naming both), or
      an unknown option or bad value (naming the option).
  """
  if not options:
    return
  if name not in OPTION_NAMES:
    raise ValueError(f'Environment {name!r} takes no options; got '
                     f'{dict(options)!r}. Tasks with options: '
                     f'{", ".join(OPTION_NAMES)}.')
  reach_push.ReachPushOptions.from_dict(options)


def make_environment(name: str, seed: int = 0,
                     options: Optional[Mapping[str, Any]] = None
                     ) -> dm_env.Environment:
  """Returns the environment called `name`, seeded, with float32 observations.

  Args:
    name: one of `known_names()`.
    seed: seeds every source of randomness of the environment.
    options: the task's options (only tasks in OPTION_NAMES take any).

  Raises:
    ValueError: `name` is unknown (the message lists the known names), or
      `options` are not the task's.
  """
  validate_name(name)
  if name in MODEL_NAMES:
    raise ValueError(f'{name!r} is a model for dynamic programming (program '
                     'value_iteration), not an environment to act in.')
  if name in GAME_NAMES:
    raise ValueError(f'{name!r} is a two-player game (program alphazero), '
                     'not a single-agent environment.')
  validate_options(name, options)
  with CONSTRUCTION_LOCK:
    return _make_environment(name, seed, options)


def _make_environment(name: str, seed: int,
                      options: Optional[Mapping[str, Any]]
                      ) -> dm_env.Environment:
  if name == 'catch':
    from bsuite.environments import catch  # pylint: disable=g-import-not-at-top
    return Float32Observations(catch.Catch(seed=seed))
  if name == 'cartpole':
    return GymnasiumAdapter('CartPole-v1', seed)
  if name == 'cartpole_no_velocity':
    return ObservationSubset(GymnasiumAdapter('CartPole-v1', seed),
                             CARTPOLE_POSITIONS)
  if name == 'cartpole_1ms':
    return StepCost(GymnasiumAdapter('CartPole-v1', seed), STEP_COST_SECONDS)
  if name == 'pendulum':
    return GymnasiumAdapter('Pendulum-v1', seed)
  if name == 'reach_push':
    return reach_push.ReachPushEnvironment(seed, options)
  if name == 'chain_walk':
    return chain_walk.ChainWalkEnvironment(seed)
  family, task = name.split('/', 1)
  if family == 'minatar':
    return MinAtarAdapter(task, seed)
  return DMControlFlattened(family, task, seed)


def burn_cpu(seconds: float) -> None:
  """Keeps this thread's CPU busy for `seconds` (not a sleep: a simulator
  computes)."""
  end = time.perf_counter() + seconds
  while time.perf_counter() < end:
    pass


class StepCost(dm_env.Environment):
  """An environment whose steps each burn `seconds` of CPU more."""

  def __init__(self, environment: dm_env.Environment, seconds: float):
    self._environment = environment
    self._seconds = seconds

  def reset(self) -> dm_env.TimeStep:
    return self._environment.reset()

  def step(self, action) -> dm_env.TimeStep:
    burn_cpu(self._seconds)
    return self._environment.step(action)

  def observation_spec(self) -> specs.Array:
    return self._environment.observation_spec()

  def action_spec(self) -> specs.Array:
    return self._environment.action_spec()


class Float32Observations(dm_env.Environment):
  """Casts observations to float32 (the dtype every network takes)."""

  def __init__(self, environment: dm_env.Environment):
    self._environment = environment

  def _cast(self, timestep: dm_env.TimeStep) -> dm_env.TimeStep:
    return timestep._replace(
        observation=np.asarray(timestep.observation, np.float32))

  def reset(self) -> dm_env.TimeStep:
    return self._cast(self._environment.reset())

  def step(self, action) -> dm_env.TimeStep:
    return self._cast(self._environment.step(action))

  def observation_spec(self) -> specs.Array:
    spec = self._environment.observation_spec()
    return specs.Array(spec.shape, np.float32, name='observation')

  def action_spec(self) -> specs.Array:
    return self._environment.action_spec()


class ObservationSubset(Float32Observations):
  """Observes only some entries of a vector observation."""

  def __init__(self, environment: dm_env.Environment, indices):
    super().__init__(environment)
    self._indices = np.asarray(indices)

  def _cast(self, timestep: dm_env.TimeStep) -> dm_env.TimeStep:
    return timestep._replace(observation=np.asarray(
        timestep.observation, np.float32)[self._indices])

  def observation_spec(self) -> specs.Array:
    return specs.Array((len(self._indices),), np.float32, name='observation')


class GymnasiumAdapter(dm_env.Environment):
  """A gymnasium environment as a dm_env.Environment.

  Termination gives discount 0; truncation (the time limit) gives discount 1,
  as dm_env defines an episode cut short. A Discrete action space becomes a
  DiscreteArray, a Box a float32 BoundedArray.
  """

  def __init__(self, env_id: str, seed: int):
    import gymnasium  # pylint: disable=g-import-not-at-top
    self._env = gymnasium.make(env_id)
    self._seed = seed
    self._reset_next = True
    self._continuous = isinstance(self._env.action_space,
                                  gymnasium.spaces.Box)

  def reset(self) -> dm_env.TimeStep:
    # Only the first reset takes the seed; later resets continue its stream.
    observation, _ = self._env.reset(seed=self._seed)
    self._seed = None
    self._reset_next = False
    return dm_env.restart(np.asarray(observation, np.float32))

  def step(self, action) -> dm_env.TimeStep:
    if self._reset_next:
      return self.reset()
    action = (np.asarray(action, np.float32) if self._continuous
              else int(action))
    observation, reward, terminated, truncated, _ = self._env.step(action)
    observation = np.asarray(observation, np.float32)
    if terminated:
      self._reset_next = True
      return dm_env.termination(np.float32(reward), observation)
    if truncated:
      self._reset_next = True
      return dm_env.truncation(np.float32(reward), observation)
    return dm_env.transition(np.float32(reward), observation)

  def observation_spec(self) -> specs.Array:
    return specs.Array(self._env.observation_space.shape, np.float32,
                       name='observation')

  def action_spec(self) -> specs.Array:
    space = self._env.action_space
    if self._continuous:
      return specs.BoundedArray(space.shape, np.float32, space.low,
                                space.high, name='action')
    return specs.DiscreteArray(int(space.n), name='action')


class MinAtarAdapter(dm_env.Environment):
  """A MinAtar game with its minimal action set, boards as float32."""

  def __init__(self, game: str, seed: int):
    import minatar  # pylint: disable=g-import-not-at-top
    self._env = minatar.Environment(game)
    self._env.seed(seed)
    self._actions = list(self._env.minimal_action_set())
    self._reset_next = True

  def reset(self) -> dm_env.TimeStep:
    self._env.reset()
    self._reset_next = False
    return dm_env.restart(self._observation())

  def step(self, action) -> dm_env.TimeStep:
    if self._reset_next:
      return self.reset()
    reward, terminal = self._env.act(self._actions[int(action)])
    if terminal:
      self._reset_next = True
      return dm_env.termination(np.float32(reward), self._observation())
    return dm_env.transition(np.float32(reward), self._observation())

  def _observation(self) -> np.ndarray:
    return self._env.state().astype(np.float32)

  def observation_spec(self) -> specs.Array:
    return specs.Array(self._env.state_shape(), np.float32, name='observation')

  def action_spec(self) -> specs.DiscreteArray:
    return specs.DiscreteArray(len(self._actions), name='action')


class DMControlFlattened(dm_env.Environment):
  """A dm_control task with its observation dict flattened to float32 [D]."""

  def __init__(self, domain: str, task: str, seed: int):
    from dm_control import suite  # pylint: disable=g-import-not-at-top
    self._env = suite.load(domain, task, task_kwargs={'random': seed})
    obs_spec = self._env.observation_spec()
    self._keys = sorted(obs_spec)
    self._size = int(sum(np.prod(obs_spec[k].shape) for k in self._keys))

  def _flatten(self, timestep: dm_env.TimeStep) -> dm_env.TimeStep:
    observation = np.concatenate([
        np.asarray(timestep.observation[k], np.float32).reshape(-1)
        for k in self._keys])
    reward = None if timestep.reward is None else np.float32(timestep.reward)
    return timestep._replace(observation=observation, reward=reward)

  def reset(self) -> dm_env.TimeStep:
    return self._flatten(self._env.reset())

  def step(self, action) -> dm_env.TimeStep:
    return self._flatten(self._env.step(action))

  def observation_spec(self) -> specs.Array:
    return specs.Array((self._size,), np.float32, name='observation')

  def action_spec(self) -> specs.BoundedArray:
    # float32, as networks output; dm_control's spec says float64, and its
    # physics copies float32 controls into its float64 ones.
    spec = self._env.action_spec()
    return specs.BoundedArray(spec.shape, np.float32,
                              np.asarray(spec.minimum, np.float32),
                              np.asarray(spec.maximum, np.float32),
                              name='action')


def check_discrete(name: str, program: str) -> Dict[str, Any]:
  """`environment_spec(name)`, if its actions are discrete.

  Raises:
    ValueError: `name` is unknown, or its actions are continuous (the
      message names `program`, which cannot take them).
  """
  spec = environment_spec(name)
  if spec['num_actions'] is None:
    raise ValueError(f'{program} takes discrete actions; environment '
                     f'{name!r} has continuous ones.')
  return spec


def check_continuous(name: str, program: str) -> Dict[str, Any]:
  """`environment_spec(name)`, if its actions are continuous.

  Raises:
    ValueError: `name` is unknown, or its actions are discrete (the message
      names `program`, which cannot take them).
  """
  spec = environment_spec(name)
  if spec['num_actions'] is not None:
    raise ValueError(f'{program} takes continuous actions; environment '
                     f'{name!r} has discrete ones ({spec["num_actions"]} '
                     'actions).')
  return spec


def environment_spec(name: str) -> Dict[str, Any]:
  """Observation and action shapes of `name`, without keeping it.

  Plain values only (tuples, lists, ints, floats): programs pass the spec
  to nodes, which pickle it.

  Returns:
    {'observation_shape': tuple,
     'num_actions': int, or None if continuous,
     'action_shape': tuple (() if discrete),
     'action_minimum', 'action_maximum': lists of floats of action_shape,
       or None if discrete}.
  """
  env = make_environment(name, seed=0)
  action_spec = env.action_spec()
  spec = {'observation_shape': tuple(env.observation_spec().shape)}
  if isinstance(action_spec, specs.DiscreteArray):
    spec.update(num_actions=int(action_spec.num_values), action_shape=(),
                action_minimum=None, action_maximum=None)
    return spec

  def bound(value) -> list:
    return np.broadcast_to(np.asarray(value, np.float64),
                           action_spec.shape).tolist()

  spec.update(num_actions=None, action_shape=tuple(action_spec.shape),
              action_minimum=bound(action_spec.minimum),
              action_maximum=bound(action_spec.maximum))
  return spec
