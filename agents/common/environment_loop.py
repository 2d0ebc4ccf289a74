"""The loop that drives a batched environment with a batched actor.

Shared by every actor that follows `acme.core.Actor` with batched arguments
(see `agents.impala.actor`): one policy call per batched step.
"""

from typing import Callable

import acme

from agents.common import batched_environments


def run_batched_loop(actor: acme.core.Actor,
                     environment: batched_environments.BatchedEnvironment,
                     should_stop: Callable[[], bool],
                     on_steps: Callable[[int], None] = lambda n: None) -> None:
  """Steps `environment` with `actor` until `should_stop()`.

  Args:
    actor: acts and records (select_action, observe_first, observe, update).
    environment: the batch the actor serves.
    should_stop: polled once per batched step.
    on_steps: called with the number of environment steps taken (B) after
      every batched step; counting and logging hook.
  """
  observation = environment.reset()
  actor.observe_first(observation)
  while not should_stop():
    action = actor.select_action(observation)
    next_step = environment.step(action)
    actor.observe(action, next_step)
    actor.update()
    observation = next_step[0]
    on_steps(environment.num_envs)
