"""The `learner` node: serves an agent's learner and steps it in a daemon
thread until the program stops; with a checkpoint schedule it restores the
learner's newest checkpoint at start and saves one every period and at the
stop."""

import functools
import threading
from typing import Any, Callable, List, Optional, Sequence

import launchpad as lp

from programs.nodes import checkpoints
from programs.nodes import devices
from programs.nodes import lifecycle

# At the stop, how long the final save waits for an update in progress to
# end (an update takes milliseconds; waits for data and calls to other
# nodes happen outside it, except a data-parallel replica's wait for the
# others' gradients, which gives up within a second of the stop).
FINAL_SAVE_WAIT_SECONDS = 4.0

# make_learner(**handles) -> an acme.core.Learner (step, get_variables) that
# also splits its step in three: `next_batch()` (waits for data),
# `update(batch) -> outcome` (changes the state) and `report(outcome)`
# (priorities, counter, log: calls to other nodes); and has `state` and
# `num_steps` for checkpoints. Built in the learner's process from the dereferenced,
# stoppable handles.
LearnerFactory = Callable[..., Any]


class LearnerRunner:
  """Serves a learner and steps it in a daemon thread until the stop.

  The thread keeps the node's main thread free to see the stop: a main
  thread blocked in a dataset read would never return and Launchpad would
  SIGKILL the whole program. `step()` is exposed for tests (disable_run).
  """

  @lifecycle.guarded
  def __init__(self, make_learner: LearnerFactory,
               checkpoint: Optional[checkpoints.Schedule] = None,
               restore_only: bool = False, replica: int = 0,
               **handles: Any):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    self._device = devices.learner_device(replica)
    print(f'[learner] computes on {self._device}', flush=True)
    with tf.device(self._device):  # Its variables live there.
      self._learner = make_learner(
          **{k: lifecycle.stoppable(v) for k, v in handles.items()})
    self._lock = threading.Lock()  # A save never sees half a step.
    self._checkpointer = None
    # A data-parallel replica other than the first: it restores the first's
    # saves (the replicas are identical) and saves none of its own.
    self._saves = not restore_only
    if checkpoint is not None:
      self._checkpointer = checkpoints.start(
          'learner', checkpoint, checkpoints.TFState(self._learner.state),
          describe=lambda: {'learner_steps': self._learner.num_steps},
          summary=lambda: f'learner step {self._learner.num_steps}')

  def get_variables(self, names: Sequence[str]) -> List[Any]:
    return self._learner.get_variables(names)

  def step(self) -> None:
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    with tf.device(self._device):
      self._learner.step()

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    failure = []

    def train() -> None:
      import tensorflow as tf  # pylint: disable=g-import-not-at-top
      try:
        with tf.device(self._device):  # Per thread: updates go there too.
          self._train(stop)
      except lifecycle.Stopped:
        pass
      except Exception as e:  # pylint: disable=broad-except
        # A replay or counter on a host that stopped first: the final save
        # below still runs (the error came between updates, never in one).
        if lifecycle.stop_follows(e, stop):
          print(f'[learner] {type(e).__name__} from a peer that stopped '
                'first; saving and ending.', flush=True)
        else:
          failure.append(e)

    threading.Thread(target=train, name='learner', daemon=True).start()
    while not stop.wait(lifecycle.POLL_SECONDS):
      if failure:  # Raised here, the node fails and the launch with it.
        raise RuntimeError('The learner failed.') from failure[0]
    if failure:  # Failed as the stop came: no final save of that state.
      raise RuntimeError('The learner failed.') from failure[0]
    if self._checkpointer is not None and self._saves:
      self._final_save()

  def _train(self, stop: Any) -> None:
    """Steps the learner until the stop."""
    while not stop.is_set():
      # The wait for data (an empty queue, the rate limiter) holds no
      # lock: a save at the stop never waits for data that may not come.
      batch = self._learner.next_batch()
      with self._lock:  # Updates and saves, one at a time.
        if stop.is_set():
          return  # No update after the final save.
        outcome = self._learner.update(batch)
        if self._checkpointer is not None and self._saves:
          self._checkpointer.maybe_save()
      # Outside the lock: at a stop, a node on another host may be gone and
      # a call to it never return; the final save must not wait for it.
      self._learner.report(outcome)

  def _final_save(self) -> None:
    if not self._lock.acquire(timeout=FINAL_SAVE_WAIT_SECONDS):
      print('[learner] an update did not end at the stop: the last periodic '
            'checkpoint stands.', flush=True)
      return
    try:
      path = self._checkpointer.save()
      print(f'[learner] checkpoint at learner step '
            f'{self._learner.num_steps}: {path}', flush=True)
    finally:
      self._lock.release()


def build_learner(make_learner: LearnerFactory,
                  checkpoint: Optional[checkpoints.Schedule] = None,
                  restore_only: bool = False, replica: int = 0,
                  **handles: Any) -> lp.CourierNode:
  """A learner node: `make_learner(**handles)` (replay, counter, shards...)
  built in its process, served (get_variables, step) and stepped; with
  `checkpoint`, its `state` (acme's TFSaveable) is restored and saved
  (`restore_only`: restored, never saved: a replica after the first).
  `replica` picks its GPU where there are several (devices.learner_device).
  """
  return lifecycle.BoundedCourierNode(LearnerRunner,
                                      make_learner=make_learner,
                                      checkpoint=checkpoint,
                                      restore_only=restore_only,
                                      replica=replica, **handles)


def build_learners(make_learner: LearnerFactory, *, replicas: int,
                   all_reduce: Any = None,
                   checkpoint: Optional[checkpoints.Schedule] = None,
                   counter: Any = None, **handles: Any) -> List[Any]:
  """`replicas` learner nodes: data-parallel replicas of one learner when
  > 1 (`agents.common.unroll_learner`). Replica i calls
  `make_learner(replica=i, all_reduce=, counter=, **handles)`; replica 0
  alone gets the counter (it counts and logs) and saves checkpoints, the
  others restore its saves; with several GPUs, replica i computes on GPU
  i mod n. Serve the variables from the first node."""
  return [build_learner(functools.partial(make_learner, replica=i),
                        checkpoint=checkpoint, restore_only=i > 0, replica=i,
                        counter=counter if i == 0 else None,
                        all_reduce=all_reduce, **handles)
          for i in range(replicas)]
