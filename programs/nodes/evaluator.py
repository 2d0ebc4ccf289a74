"""The `evaluator` node: plays the current policy without exploration
noise (as the agent defines it) on a period, logs the mean return, and
stops the program at the budget's target return."""

from typing import Any, Callable, Dict, Optional

import launchpad as lp
import numpy as np

from agents.common import batched_environments
from programs.nodes import budget as budget_lib
from programs.nodes import lifecycle
from programs.nodes import loggers
from programs.nodes import variable_server


class Evaluator:
  """Plays one episode per environment, `num_episodes` at once, per period.

  It sleeps between rounds so that it does not take CPU from the actors.
  `make_actor(environment=, variable_source=)` returns a batched actor that
  records nothing; `actor.update(wait=True)` fetches the latest variables.
  With a `budget` that has a target_return, it stops the program once the
  mean of its last budget.TARGET_ROUNDS rounds reaches it.
  """

  @lifecycle.guarded
  def __init__(self, make_actor: Callable[..., Any], environment_name: str,
               num_episodes: int, seed: int, variable_source: Any,
               counter: Any, logdir: Optional[str], start_time: float,
               period_seconds: float,
               budget: Optional[budget_lib.Budget] = None,
               environment_options: Optional[Dict[str, Any]] = None):
    self._budget = budget
    self._start_time = start_time
    counter = lifecycle.StoppableClient(counter)
    self._environment = batched_environments.make_batched_environment(
        environment_name, num_episodes, seed, environment_options)
    self._actor = make_actor(
        environment=self._environment,
        variable_source=variable_server.variable_source(variable_source))
    self._period = period_seconds
    self._logger = loggers.NodeLogger('evaluator', logdir, start_time,
                                      period_seconds=0.0,
                                      counts_fn=counter.get_counts)

  def evaluate(self, should_stop: Callable[[], bool]) -> float:
    """Mean return of the next episode of every environment."""
    environment, actor = self._environment, self._actor
    actor.update(wait=True)
    observation = environment.reset()
    actor.observe_first(observation)
    returns = np.zeros(environment.num_envs)
    running = np.ones(environment.num_envs, bool)
    while running.any() and not should_stop():
      action = actor.select_action(observation)
      observation, reward, discount, first = environment.step(action)
      actor.observe(action, (observation, reward, discount, first))
      returns += reward * running
      running &= ~first  # Only each environment's first episode counts.
    environment.completed_returns()  # Drained: counted above.
    return float(returns.mean())

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    target = budget_lib.TargetWatch(self._budget, self._start_time, lp.stop)
    while not stop.wait(self._period):
      episode_return = self.evaluate(stop.is_set)
      if stop.is_set():
        break
      self._logger.write({'episode_return': episode_return}, force=True)
      if target.add(episode_return):
        break
    self._logger.close()


def build_evaluator(make_actor: Callable[..., Any], *, environment_name: str,
                    num_episodes: int, seed: int, variable_source: Any,
                    counter: Any, logdir: Optional[str], start_time: float,
                    period_seconds: float,
                    budget: budget_lib.Budget,
                    environment_options: Optional[Dict[str, Any]] = None
                    ) -> lp.PyClassNode:
  """An evaluator node: `make_actor` on `num_episodes` copies of
  `environment_name` (with the task's `environment_options`, if any) every
  `period_seconds`, reading `variable_source`."""
  return lp.PyClassNode(
      Evaluator, make_actor=make_actor, environment_name=environment_name,
      num_episodes=num_episodes, seed=seed, variable_source=variable_source,
      counter=counter, logdir=logdir, start_time=start_time,
      period_seconds=period_seconds, budget=budget,
      environment_options=environment_options)
