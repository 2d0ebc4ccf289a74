"""IMPALA's learner: one `tf.function` step of V-trace actor-critic on a batch
of unrolls from the queue; serves its variables as NumPy arrays.
"""

import time
from typing import Any, Dict, Iterator, List, Optional, Sequence

import acme
import numpy as np
import tensorflow as tf

from agents.common import optimizers
from agents.common import unrolls
from agents.common import weights
from agents.impala import config as config_lib
from agents.impala import losses
from agents.impala import networks


class IMPALALearner(acme.core.Learner):
  """Consumes batches of unrolls [B, ...]; see `agents.common.unrolls`."""

  def __init__(self, network: networks.IMPALANetwork,
               iterator: Iterator[Any], config: config_lib.IMPALAConfig,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    """Creates the learner.

    Args:
      network: trained in place.
      iterator: yields reverb.ReplaySample (or anything with `.data`) batches.
      config: loss weights, optimizer, clipping.
      counter: has `increment(**counts)`; receives learner_steps and
        learner_frames.
      logger: has `write(dict)`; called every step (it throttles itself).
    """
    self._network = network
    self._iterator = iterator
    self._config = config
    self._counter = counter
    self._logger = logger
    # Slots made now, so that a checkpoint restored before the first step
    # finds them (and the step is traced once).
    self._optimizer = optimizers.make_sonnet_optimizer(
        config, network.trainable_variables)
    self._frames_per_step = config.batch_size * config.unroll_length
    # A variable, so that checkpoints keep it.
    self._num_steps = tf.Variable(0, dtype=tf.int64, trainable=False,
                                  name='num_steps')
    self._start = None  # Rates count from the first batch, not start-up.
    self._start_steps = 0

  def _loss(self, data: Dict[str, Any]) -> Dict[str, tf.Tensor]:
    data = unrolls.time_major(data)
    state = unrolls.start_state(data)
    logits, values, _ = self._network.unroll(data['observation'],
                                             data['first'], state)
    # logits [T + 1, B, A], values [T + 1, B]: the last entry bootstraps.
    discounts = self._config.discount * data['discount']  # [T, B]
    return losses.impala_loss(
        behaviour_logits=data['behaviour_logits'], target_logits=logits[:-1],
        actions=data['action'], discounts=discounts, rewards=data['reward'],
        values=values[:-1], bootstrap_value=values[-1], config=self._config)

  @tf.function
  def compute_loss(self, data: Dict[str, Any]) -> Dict[str, tf.Tensor]:
    """The loss terms on `data` [B, ...] without updating anything."""
    return self._loss(data)

  @tf.function
  def _step(self, data: Dict[str, Any]) -> Dict[str, tf.Tensor]:
    variables = self._network.trainable_variables
    with tf.GradientTape() as tape:
      metrics = self._loss(data)
    gradients = tape.gradient(metrics['loss'], variables)
    gradients, norm = tf.clip_by_global_norm(gradients,
                                             self._config.max_gradient_norm)
    self._optimizer.apply(gradients, variables)
    metrics['gradient_norm'] = norm
    return metrics

  def learn_from(self, data: Dict[str, Any]) -> Dict[str, float]:
    """One update on `data` [B, ...]; returns the loss terms before it."""
    metrics = {k: float(v) for k, v in self._step(data).items()}
    self._num_steps.assign_add(1)
    return metrics

  @property
  def num_steps(self) -> int:
    """Updates so far, over the whole run (restored with the state)."""
    return int(self._num_steps.numpy())

  @property
  def state(self) -> Dict[str, Any]:
    """What a checkpoint keeps (acme's TFSaveable): the network, the
    optimizer with its slots, the update count."""
    return {'network': self._network, 'optimizer': self._optimizer,
            'num_steps': self._num_steps}

  def step(self) -> None:
    """One update on the next batch from the queue."""
    self.step_on(self.next_batch())

  def next_batch(self) -> Any:
    """The next batch from the queue (waits for one)."""
    return next(self._iterator)

  def step_on(self, batch: Any) -> None:
    """`step` on a batch of `next_batch`. Apart, so that a runner can wait
    for data without holding what its saves wait for."""
    self.report(self.update(batch))

  def update(self, batch: Any) -> Dict[str, float]:
    """The half of `step_on` that changes the state: one update and its
    count; returns the metrics for `report`."""
    if self._start is None:
      self._start = time.time()
      self._start_steps = self.num_steps  # Restored ones are not this run's.
    return self.learn_from(batch.data)

  def report(self, metrics: Dict[str, float]) -> None:
    """The other half: the counter and the log. It calls other nodes, which
    may never answer at a stop, so a runner holds no lock around it."""
    if self._counter is not None:
      self._counter.increment(learner_steps=1,
                              learner_frames=self._frames_per_step)
    if self._logger is not None:
      elapsed = max(time.time() - self._start, 1e-6)
      num_steps = self.num_steps
      steps = num_steps - self._start_steps
      metrics.update(learner_steps=num_steps,
                     learner_steps_per_s=steps / elapsed,
                     learner_frames_per_s=(steps * self._frames_per_step /
                                           elapsed))
      self._logger.write(metrics)

  def get_variables(self, names: Sequence[str]) -> List[List[np.ndarray]]:
    """The policy's weights for each name asked (acme.core.VariableSource)."""
    return [weights.get_weights(self._network) for _ in names]

  def save(self) -> List[np.ndarray]:
    return weights.get_weights(self._network)

  def restore(self, state: List[np.ndarray]) -> None:
    weights.set_weights(self._network, state)
