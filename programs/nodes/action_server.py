"""The `action_server` node: batched inference for TF-free environment
workers (Stooke & Abbeel 2018; SEED RL).

Workers call `reset(slot, observation)` once and then `step(slot, step)`
with each batch step of the slot's environments; each call answers that
slot's actions. Calls arrive on Courier's threads and wait here; one
inference thread takes the waiting slots together, as soon as
`batch_slots` of them are waiting or BATCH_WAIT_SECONDS after the first,
and answers them all from one network call. Only then does it record the
batch's steps and actions (the unrolls, Reverb writes): the workers step
their environments meanwhile instead of waiting for the bookkeeping. Arrays
come packed (`agents.common.wire`): Courier cannot receive NumPy arguments.
"""

import threading
import time
from typing import Any, Callable, List, Optional

import launchpad as lp

from agents.common import wire
from programs.nodes import lifecycle

# How long the first waiting slot waits for the others before its batch
# goes without them (a slow or stopped worker does not hold the rest).
BATCH_WAIT_SECONDS = 0.002

# make_policy(variable_source=, replay=, should_stop=) -> an
# agents.common.central_inference.CentralPolicy, built in this process.
PolicyFactory = Callable[..., Any]


class _Request:
  """One slot's observations waiting for actions."""

  def __init__(self, slot: int, observation: Any, batch_step: Any = None):
    self.slot = slot
    self.observation = observation
    self.batch_step = batch_step  # None: the slot's first observation.
    self.actions = None
    self.done = threading.Event()


class ActionServer:
  """Answers workers' observations with actions, batched across workers."""

  @lifecycle.guarded
  def __init__(self, make_policy: PolicyFactory, variable_source: Any,
               replay: Any, batch_slots: int):
    self._stop = lifecycle.stop_event()
    should_stop = self._stop.is_set if self._stop else (lambda: False)
    self._policy = make_policy(
        variable_source=lifecycle.stoppable(variable_source), replay=replay,
        should_stop=should_stop)
    self._batch_slots = batch_slots
    self._pending: List[_Request] = []
    self._ready = threading.Condition()
    self.batches = 0  # Network calls so far,
    self.requests = 0  # for the slots answered.

  def reset(self, slot: int, observation: wire.Packed) -> Any:
    """Starts slot `slot`'s unrolls at `observation`; its first actions."""
    [observation] = wire.unpack(observation)
    return self._actions(_Request(slot, observation))

  def step(self, slot: int, batch_step: wire.Packed) -> Any:
    """Records slot `slot`'s batch step (observation, reward, discount,
    first) and answers its next actions."""
    batch_step = tuple(wire.unpack(batch_step))
    return self._actions(_Request(slot, batch_step[0], batch_step))

  def stats(self) -> dict:
    return {'batches': self.batches, 'requests': self.requests}

  def _actions(self, request: _Request) -> Any:
    with self._ready:
      self._pending.append(request)
      self._ready.notify()
    deadline = time.monotonic() + lifecycle.CALL_TIMEOUT_SECONDS
    while not request.done.wait(lifecycle.POLL_SECONDS):
      if self._stop is not None and self._stop.is_set():
        raise lifecycle.Stopped('action_server.step')
      if time.monotonic() > deadline:
        raise TimeoutError('The action server answered no actions.')
    return request.actions

  def _next_batch(self, stop: Any) -> Optional[List[_Request]]:
    with self._ready:
      if not self._ready.wait_for(lambda: self._pending,
                                  lifecycle.POLL_SECONDS):
        return None
      deadline = time.monotonic() + BATCH_WAIT_SECONDS
      while (len(self._pending) < self._batch_slots and
             not stop.is_set()):
        left = deadline - time.monotonic()
        if left <= 0:
          break
        self._ready.wait(left)
      batch, self._pending = self._pending, []
    return batch

  def run_inference(self, stop: Any) -> None:
    """Answers batches until `stop` is set."""
    while not stop.is_set():
      batch = self._next_batch(stop)
      if not batch:
        continue
      logits, actions = self._policy.compute(
          [r.observation for r in batch])
      for request, action in zip(batch, actions):
        request.actions = action
        request.done.set()
      # Answered; now the bookkeeping. A slot's next call waits for the
      # next batch, so its steps are recorded in order.
      for request, slot_logits, action in zip(batch, logits, actions):
        if request.batch_step is None:
          self._policy.observe_first(request.slot, request.observation)
        else:
          self._policy.observe(request.slot, request.batch_step)
        self._policy.record(request.slot, slot_logits, action)
      self.batches += 1
      self.requests += len(batch)
      self._policy.update()

  @lifecycle.guarded
  def run(self) -> None:
    self.run_inference(lp.stop_event())


def build_action_server(make_policy: PolicyFactory, *, variable_source: Any,
                        replay: Any, batch_slots: int) -> lp.CourierNode:
  """An action server: `make_policy(variable_source=, replay=,
  should_stop=)` built in its process, answering up to `batch_slots`
  waiting slots per network call."""
  return lifecycle.BoundedCourierNode(
      ActionServer, make_policy=make_policy, variable_source=variable_source,
      replay=replay, batch_slots=batch_slots)
