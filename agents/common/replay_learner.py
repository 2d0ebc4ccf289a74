"""What every replay learner does around its update (DQN, Ape-X, Gorila,
R2D2, DPG): sample a batch, update, write the batch's new priorities back,
count the step into the program's counter, log.

A subclass makes the update, `learn_from(sample) -> (metrics, priorities)`,
and the `state` its checkpoints keep; the update count is a variable of that
state, so a resumed learner counts on.
"""

import time
from typing import Any, Dict, Iterator, Optional, Tuple

import acme
import numpy as np
import tensorflow as tf

from agents.common import replay_samples

COUNT_PERIOD = 10  # Learner steps per counter RPC.


class StepCounter:
  """Counts learner steps into a counter in batches of COUNT_PERIOD."""

  def __init__(self, counter: Optional[Any], batch_size: int):
    self._counter = counter
    self._batch_size = batch_size
    self._pending = 0

  def add(self) -> None:
    self._pending += 1
    if self._counter is not None and self._pending >= COUNT_PERIOD:
      self._counter.increment(
          learner_steps=self._pending,
          learner_samples=self._pending * self._batch_size)
      self._pending = 0


class ReplayLearner(acme.core.Learner):
  """The loop around a replay learner's update (module docstring)."""

  def __init__(self, iterator: Iterator[Any], batch_size: int,
               priority_writer: Optional[replay_samples.PriorityWriter] = None,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    """Creates the learner.

    Args:
      iterator: yields reverb.ReplaySample batches (info and data).
      batch_size: items per batch (counted as learner_samples).
      priority_writer: where new priorities go (prioritized replay).
      counter: has `increment(**counts)`.
      logger: has `write(dict)`; called every step (it throttles itself).
    """
    self._iterator = iterator
    self._priority_writer = priority_writer
    self._steps = StepCounter(counter, batch_size)
    self._logger = logger
    # A variable, so that checkpoints keep it (target updates count on it).
    self._num_steps = tf.Variable(0, dtype=tf.int64, trainable=False,
                                  name='num_steps')
    self._start = None  # Rates count from the first batch.
    self._start_steps = 0

  def learn_from(self, sample: Any) -> Tuple[Dict[str, float], np.ndarray]:
    """One update on a ReplaySample; returns metrics and new priorities."""
    raise NotImplementedError

  @property
  def num_steps(self) -> int:
    """Updates so far, over the whole run (restored with the state)."""
    return int(self._num_steps.numpy())

  def _count_step(self) -> int:
    """Counts one update; returns the count after it."""
    return int(self._num_steps.assign_add(1).numpy())

  def step(self) -> None:
    """One update on the next sampled batch; writes its priorities back."""
    self.step_on(self.next_batch())

  def next_batch(self) -> Any:
    """The next sampled batch (waits for the table's rate limiter)."""
    return next(self._iterator)

  def step_on(self, sample: Any) -> None:
    """`step` on a batch of `next_batch`. Apart, so that a runner can wait
    for data without holding what its saves wait for."""
    self.report(self.update(sample))

  def update(self, sample: Any) -> Tuple[Dict[str, float], Any, np.ndarray]:
    """The half of `step_on` that changes the state: one update and its
    count; returns metrics, the sample's keys and their new priorities, for
    `report`."""
    if self._start is None:
      self._start = time.time()
      self._start_steps = self.num_steps  # Restored ones are not this run's.
    metrics, priority = self.learn_from(sample)
    return metrics, replay_samples.sample_info(sample)[0], priority

  def report(self, outcome: Tuple[Dict[str, float], Any, np.ndarray]) -> None:
    """The other half: priorities back to the table, the counter, the log.
    They call other nodes (replay may be on another host), which may never
    answer at a stop, so a runner holds no lock around it."""
    metrics, keys, priority = outcome
    if self._priority_writer is not None:
      self._priority_writer.write(keys, priority)
    self._steps.add()
    if self._logger is not None:
      elapsed = max(time.time() - self._start, 1e-6)
      num_steps = self.num_steps
      metrics.update(learner_steps=num_steps,
                     learner_steps_per_s=(num_steps - self._start_steps) /
                     elapsed,
                     **self._extra_metrics())
      self._logger.write(metrics)

  def _extra_metrics(self) -> Dict[str, float]:
    """What a subclass adds to each log row."""
    return {}
