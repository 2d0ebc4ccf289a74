"""A batched actor run the acme way, on one plain `dm_env` environment:

  actor = acme_actor.make(environment, lambda view: impala.UnrollActor(
      impala.make_network(view.observation_shape, view.num_actions, config),
      view.num_envs, config, writer=writer, seed=0))
  acme.EnvironmentLoop(environment, actor).run(num_episodes=3)

The agents' actors are batched (select_action on observations [B, ...],
observe(action [B], batch step), see `agents.common.batched_environments`):
that is what makes one policy call serve many environments in the actor
nodes. There an episode's last step arrives together with the next
episode's first observation (`first` True, discount 0). acme's loop instead
calls `observe(action, timestep)` with the last timestep, then
`observe_first` with the next episode's first one. `EnvironmentActor` turns
one into the other with B = 1:
  - the first `observe_first` starts the batched actor;
  - a mid-episode `observe` passes the step on (discount 1, first False);
  - a last timestep is held until the next episode's `observe_first`, then
    passed as the batched environments pass it (the new first observation,
    the last reward, discount 0, first True); a truncation (last timestep
    with discount > 0) shows in the view's `truncated` and
    `final_observation`, as batched environments report it to agents that
    bootstrap through time limits.
So unrolls, n-step transitions and sequences run across episode ends as in
the actor nodes. The last step of the loop's final episode has no next
episode to arrive with and is not passed on.
"""

from typing import Any, Callable, Optional, Tuple

import acme
import dm_env
from dm_env import specs
import numpy as np


class SingleEnvironmentView:
  """What a batched actor is built from, for one environment: num_envs (1),
  observation_shape, the actions (num_actions, or None and action_shape,
  action_minimum, action_maximum for continuous ones, as a batched
  environment has them), and the truncation report (`truncated` [1],
  `final_observation` [1, ...]) of its last step."""

  def __init__(self, environment: dm_env.Environment):
    action_spec = environment.action_spec()
    self.num_envs = 1
    self.observation_shape = tuple(environment.observation_spec().shape)
    if isinstance(action_spec, specs.DiscreteArray):
      self.num_actions = int(action_spec.num_values)
      self.action_shape = ()
      self.action_minimum = self.action_maximum = None
    else:
      self.num_actions = None
      self.action_shape = tuple(action_spec.shape)
      self.action_minimum = np.broadcast_to(
          np.asarray(action_spec.minimum, np.float32), self.action_shape)
      self.action_maximum = np.broadcast_to(
          np.asarray(action_spec.maximum, np.float32), self.action_shape)
    self.truncated = np.zeros(1, bool)
    self.final_observation = np.zeros((1,) + self.observation_shape,
                                      np.float32)

  def batch_action(self, action: np.ndarray) -> np.ndarray:
    """One environment's action as a batch of one, in the actor's dtype."""
    if self.num_actions is not None:
      return np.asarray(action, np.int32).reshape(1)
    return np.asarray(action, np.float32).reshape((1,) + self.action_shape)


class EnvironmentActor(acme.core.Actor):
  """An `acme.core.Actor` over a batched actor of one environment."""

  def __init__(self, batched_actor: Any, view: SingleEnvironmentView):
    self._actor = batched_actor
    self._view = view
    self._started = False
    # The held last step: (action [1], reward [1], truncated, observation).
    self._last: Optional[Tuple[np.ndarray, np.ndarray, bool,
                               np.ndarray]] = None

  @property
  def batched_actor(self) -> Any:
    return self._actor

  def select_action(self, observation: np.ndarray) -> np.ndarray:
    return self._actor.select_action(
        np.asarray(observation, np.float32)[None])[0]

  def observe_first(self, timestep: dm_env.TimeStep) -> None:
    observation = np.asarray(timestep.observation, np.float32)[None]
    if self._last is None:
      if not self._started:  # Later episodes follow a held last step.
        self._actor.observe_first(observation)
        self._started = True
      return
    action, reward, truncated, final_observation = self._last
    self._last = None
    self._view.truncated[0] = truncated
    self._view.final_observation[0] = final_observation
    self._actor.observe(action, (observation, reward,
                                 np.zeros(1, np.float32), np.ones(1, bool)))

  def observe(self, action: np.ndarray,
              next_timestep: dm_env.TimeStep) -> None:
    action = self._view.batch_action(action)
    reward = np.asarray(next_timestep.reward, np.float32).reshape(1)
    observation = np.asarray(next_timestep.observation, np.float32)
    if next_timestep.last():
      # dm_env: a truncation ends with a non-zero discount.
      self._last = (action, reward, bool(next_timestep.discount > 0),
                    observation)
      return
    self._view.truncated[0] = False
    self._view.final_observation[0] = observation
    self._actor.observe(action, (observation[None], reward,
                                 np.ones(1, np.float32), np.zeros(1, bool)))

  def update(self, wait: bool = False) -> None:
    self._actor.update(wait)


def make(environment: dm_env.Environment,
         make_batched_actor: Callable[[SingleEnvironmentView], Any]
         ) -> EnvironmentActor:
  """An acme actor for `environment`; `make_batched_actor(view)` builds the
  agent's batched actor for one environment (view: num_envs,
  observation_shape, the actions; pass it as the actor's `environment` where
  the actor reads truncations, e.g. agents.dqn.DQNActor)."""
  view = SingleEnvironmentView(environment)
  return EnvironmentActor(make_batched_actor(view), view)
