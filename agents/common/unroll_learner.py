"""A learner of an actor-critic loss on batches of unrolls from a queue: one
update per batch (IMPALA's V-trace, A2C's n-step advantage; the loss is the
agent's, the rest is here). It serves its variables as NumPy arrays.

Data-parallel replicas (Stooke & Abbeel 2018's multi-GPU learner): K copies
of the learner, each reading its own slice of the batch (batch_size / K
unrolls) from the queue, compute gradients on it, average them through an
all-reduce (`AllReduceClient`: every replica gets the same bytes back) and
apply the mean with identical optimizers. Starting from the same seeded
weights, the replicas stay bit-identical; the one update is that of the
whole batch, up to float rounding.
"""

import time
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence

import acme
import numpy as np
import tensorflow as tf

from agents.common import actor_critic
from agents.common import optimizers
from agents.common import unrolls
from agents.common import weights
from agents.common import wire

# loss(logits [T + 1, B, A], values [T + 1, B], data, config) -> {'loss':
# scalar, other terms...}: `data` is the batch time-major
# (`agents.common.unrolls.time_major`); the last step of logits and values
# is that of x_T, which only bootstraps.
UnrollLoss = Callable[[tf.Tensor, tf.Tensor, Dict[str, tf.Tensor], Any],
                      Dict[str, tf.Tensor]]


class GradientSteps:
  """A learner's update, in one `tf.function` when alone, or split around
  the all-reduce when one of several replicas. For learners with
  `_loss(*inputs) -> {'loss', ...}`, `_network`, `_optimizer`,
  `_config.max_gradient_norm` and `_all_reduce` (None when alone)."""

  def _gradients_of(self, *inputs: Any) -> Any:
    with tf.GradientTape() as tape:
      metrics = self._loss(*inputs)
    return metrics, tape.gradient(metrics['loss'],
                                  self._network.trainable_variables)

  def _apply(self, gradients: Sequence[tf.Tensor]) -> tf.Tensor:
    gradients, norm = tf.clip_by_global_norm(gradients,
                                             self._config.max_gradient_norm)
    self._optimizer.apply(gradients, self._network.trainable_variables)
    return norm

  @tf.function
  def _step(self, *inputs: Any) -> Dict[str, tf.Tensor]:
    metrics, gradients = self._gradients_of(*inputs)
    metrics['gradient_norm'] = self._apply(gradients)
    return metrics

  @tf.function
  def _gradients(self, *inputs: Any) -> Any:
    return self._gradients_of(*inputs)

  @tf.function
  def _apply_mean(self, gradients: Sequence[tf.Tensor]) -> tf.Tensor:
    return self._apply(gradients)

  def _update_on(self, round_: int, *inputs: Any) -> Dict[str, tf.Tensor]:
    """One update on `inputs`; a replica's is all-reduce round `round_`."""
    if self._all_reduce is None:
      return self._step(*inputs)
    metrics, gradients = self._gradients(*inputs)
    metrics['gradient_norm'] = self._apply_mean(
        averaged(self._all_reduce, round_, gradients))
    return metrics


class UnrollLearner(GradientSteps, acme.core.Learner):
  """Consumes batches of unrolls [B, ...]; see `agents.common.unrolls`."""

  def __init__(self, network: actor_critic.ActorCriticNetwork,
               iterator: Iterator[Any], config: Any, loss: UnrollLoss,
               counter: Optional[Any] = None, logger: Optional[Any] = None,
               all_reduce: Optional[Any] = None):
    """Creates the learner.

    Args:
      network: trained in place.
      iterator: yields reverb.ReplaySample (or anything with `.data`) batches
        (of batch_size / K unrolls for one of K replicas).
      config: batch_size, unroll_length, max_gradient_norm, the optimizer's
        fields (`agents.common.optimizers`), and what `loss` reads.
      loss: the agent's loss (`UnrollLoss`).
      counter: has `increment(**counts)`; receives learner_steps and
        learner_frames (of the whole batch). One replica counts.
      logger: has `write(dict)`; called every step (it throttles itself).
      all_reduce: an `AllReduceClient` when this learner is one of several
        data-parallel replicas; None for a single learner.
    """
    self._network = network
    self._iterator = iterator
    self._config = config
    self._unroll_loss = loss
    self._counter = counter
    self._logger = logger
    self._all_reduce = all_reduce
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
    return self._unroll_loss(logits, values, data, self._config)

  @tf.function
  def compute_loss(self, data: Dict[str, Any]) -> Dict[str, tf.Tensor]:
    """The loss terms on `data` [B, ...] without updating anything."""
    return self._loss(data)

  def learn_from(self, data: Dict[str, Any]) -> Dict[str, float]:
    """One update on `data` [B, ...]; returns the loss terms before it (a
    replica's: of its slice)."""
    metrics = self._update_on(self.num_steps, data)
    metrics = {k: float(v) for k, v in metrics.items()}
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
    count; returns the metrics for `report`. A replica waits in it for the
    others' gradients (its all-reduce client gives up at the stop)."""
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


class AllReduceClient:
  """A replica's side of the all-reduce (`programs.nodes.all_reduce`)."""

  def __init__(self, server: Any, replica: int,
               on_wait: Callable[[], None] = lambda: None):
    """Creates the client.

    Args:
      server: has `reduce(replica, round, packed) -> arrays or None` (None:
        not every replica has posted yet; ask again with packed None).
      replica: this replica's index, 0 .. K - 1.
      on_wait: called between the server's bounded waits; raises to give up
        (e.g. `programs.nodes.lifecycle.check_stop`).
    """
    self._server = server
    self._replica = replica
    self._on_wait = on_wait

  def mean(self, round_: int,
           gradients: Sequence[np.ndarray]) -> List[np.ndarray]:
    """The mean of every replica's `gradients` for update `round_`."""
    packed = wire.pack(gradients)
    while True:
      answer = self._server.reduce(self._replica, round_, packed)
      if answer is not None:
        return list(answer)
      packed = None  # Posted: asking again needs no resend.
      self._on_wait()


def averaged(all_reduce: AllReduceClient, round_: int,
             gradients: Sequence[tf.Tensor]) -> List[tf.Tensor]:
  """`gradients` averaged over every replica's for update `round_`."""
  return [tf.constant(g) for g in
          all_reduce.mean(round_, [g.numpy() for g in gradients])]
