"""Synchronous sampling (Stooke & Abbeel 2018's sync mode; A2C's and PPO's
usual loop): after each batch of unrolls it writes, an actor waits for the
policy the learner makes from them, so every batch the learner takes was
sampled by its current policy.

The learner serves 'iteration' (how many batches it has learned from) and
'policy' (its weights). The actor asks for the iteration every few
milliseconds (a few bytes) and fetches the weights once it has moved on.
Weights read after a new iteration are that iteration's: the learner
cannot start the next one without this actor's next unrolls.
"""

import time
from typing import Any, Callable, Sequence

from agents.common import variable_client

# Seconds between two questions for the learner's iteration: a Courier
# round trip costs ~0.5 ms, an iteration on CartPole ~100 ms.
POLL_SECONDS = 0.002


class SynchronousActor:
  """Wraps a batched unroll actor (`agents.common.unroll_actor`): acts like
  it, and after each batch it writes waits for the next policy."""

  def __init__(self, actor: Any, variables: Sequence[Any], source: Any,
               should_stop: Callable[[], bool]):
    """Creates the actor and takes the learner's current policy.

    Args:
      actor: has select_action, observe_first, observe and `unrolls_written`
        (counts what its writer accepted).
      variables: the actor's network variables the policy is copied into.
      source: has `get_variables(names)` serving 'iteration' ([int]) and
        'policy' (arrays in the order of `variables`): the learner.
      should_stop: ends a wait (the program is stopping).
    """
    self._actor = actor
    self._source = source
    # The weights travel as a VariableClient copies them (one fetch, then
    # assign in the order of `variables`).
    self._policy = variable_client.VariableClient(source,
                                                  {'policy': variables})
    self._should_stop = should_stop
    self._written = actor.unrolls_written
    # A resumed learner is past iteration 0: act with its policy from the
    # first step.
    self._iteration = self._read_iteration()
    self._copy_policy()
    self.wait_seconds = 0.0  # Time spent waiting for the learner.

  def _read_iteration(self) -> int:
    [iteration] = self._source.get_variables(['iteration'])
    return int(iteration[0])

  def _copy_policy(self) -> None:
    self._policy.update_and_wait()

  def observe_first(self, observation: Any) -> None:
    self._actor.observe_first(observation)

  def select_action(self, observation: Any) -> Any:
    return self._actor.select_action(observation)

  def observe(self, action: Any, next_step: Any) -> None:
    self._actor.observe(action, next_step)

  @property
  def unrolls_written(self) -> int:
    return self._actor.unrolls_written

  def update(self, wait: bool = False) -> None:
    """After a written batch, waits (until the stop) for the next policy."""
    del wait  # It waits exactly when a batch was written.
    if self._actor.unrolls_written == self._written:
      return
    self._written = self._actor.unrolls_written
    started = time.monotonic()
    while not self._should_stop():
      iteration = self._read_iteration()
      if iteration > self._iteration:
        self._iteration = iteration
        self._copy_policy()
        break
      time.sleep(POLL_SECONDS)
    self.wait_seconds += time.monotonic() - started
