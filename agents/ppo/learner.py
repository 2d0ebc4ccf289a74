"""PPO's learner: per iteration, one batch of unrolls from the queue, GAE
under the current network, then `num_epochs` passes of shuffled minibatches
of the clipped surrogate loss (one `tf.function` step each).

It counts every minibatch update as a learner step, and serves its policy
with the iteration count ('policy', 'iteration'), so that synchronous actors
can wait for the policy made from their unrolls.
"""

import time
from typing import Any, Dict, Iterator, List, Optional, Sequence

import acme
import numpy as np
import sonnet as snt
import tensorflow as tf

from agents.common import actor_critic
from agents.common import unroll_learner
from agents.common import unrolls
from agents.common import weights
from agents.ppo import config as config_lib
from agents.ppo import losses

# The names `get_variables` serves.
POLICY = 'policy'
ITERATION = 'iteration'


class PPOLearner(unroll_learner.GradientSteps, acme.core.Learner):
  """Consumes batches of unrolls [N, ...]; see `agents.common.unrolls`."""

  def __init__(self, network: actor_critic.ActorCriticNetwork,
               iterator: Iterator[Any], config: config_lib.PPOConfig,
               batch_unrolls: int, counter: Optional[Any] = None,
               logger: Optional[Any] = None,
               all_reduce: Optional[Any] = None):
    """Creates the learner.

    Args:
      network: trained in place.
      iterator: yields reverb.ReplaySample (or anything with `.data`)
        batches of `batch_unrolls` unrolls (batch_unrolls / K for one of
        K = config.learner_replicas replicas).
      config: loss, epochs, minibatches, optimizer.
      batch_unrolls: N, unrolls per iteration (`config.iteration_unrolls`).
      counter: has `increment(**counts)`; receives learner_steps (minibatch
        updates) and learner_frames (transitions consumed).
      logger: has `write(dict)`; called every iteration (it throttles).
      all_reduce: an `agents.common.unroll_learner.AllReduceClient` when
        this learner is one of K > 1 data-parallel replicas.

    Raises:
      ValueError: N does not split into K replicas' equal parts, each into
        config.num_minibatches.
    """
    split = config.num_minibatches * config.learner_replicas
    if batch_unrolls % split:
      raise ValueError(
          f'{batch_unrolls} unrolls per iteration do not split into '
          f'PPOConfig.num_minibatches={config.num_minibatches} equal '
          f'minibatches for each of learner_replicas='
          f'{config.learner_replicas}; change num_minibatches, '
          'envs_per_actor or the number of actors (batch_size, '
          'asynchronous).')
    self._network = network
    self._iterator = iterator
    self._config = config
    self._counter = counter
    self._logger = logger
    self._batch_unrolls = batch_unrolls
    self._all_reduce = all_reduce
    self._replica_unrolls = batch_unrolls // config.learner_replicas
    self._frames_per_iteration = batch_unrolls * config.unroll_length
    self._learning_rate = config.scaled_learning_rate(
        self._frames_per_iteration)
    # Variables, so that annealing sets them and checkpoints keep the count.
    self._lr = tf.Variable(self._learning_rate, dtype=tf.float32,
                           trainable=False, name='learning_rate')
    self._optimizer = snt.optimizers.Adam(self._lr,
                                          epsilon=config.adam_epsilon)
    # Slots made now: a checkpoint restored before the first step finds them.
    self._optimizer._initialize(network.trainable_variables)  # pylint: disable=protected-access
    self._num_steps = tf.Variable(0, dtype=tf.int64, trainable=False,
                                  name='num_steps')
    self._iteration = tf.Variable(0, dtype=tf.int64, trainable=False,
                                  name='iteration')
    self._rng = np.random.default_rng(config.seed)
    self._start = None  # Rates count from the first batch, not start-up.
    self._start_steps = 0

  @tf.function
  def _prepare(self, data: Dict[str, Any]) -> Dict[str, tf.Tensor]:
    """Time-major data plus old values, advantages and returns [T, N]."""
    data = unrolls.time_major(data)
    _, values, _ = self._network.unroll(
        data['observation'], data['first'], unrolls.start_state(data))
    discounts = self._config.discount * data['discount']  # [T, N]
    advantages, returns = losses.gae(
        data['reward'], discounts, values[:-1], values[-1],
        self._config.gae_lambda)
    data = dict(data, old_values=values[:-1], advantages=advantages,
                returns=returns)
    data.pop('reward')
    data.pop('discount')
    return data

  def _loss(self, data: Dict[str, Any],
            clip_epsilon: tf.Tensor) -> Dict[str, tf.Tensor]:
    logits, values, _ = self._network.unroll(
        data['observation'], data['first'], unrolls.start_state(data))
    return losses.ppo_loss(
        logits[:-1], values[:-1], data['behaviour_logits'], data['action'],
        data['advantages'], data['returns'], data['old_values'],
        clip_epsilon, self._config)

  def _annealed(self) -> float:
    """The fraction 1 - iteration / anneal_iterations (>= 0), or 1."""
    if not self._config.anneal_iterations:
      return 1.0
    return max(0.0, 1.0 - self.iteration / self._config.anneal_iterations)

  def learn_from(self, data: Dict[str, Any]) -> Dict[str, float]:
    """One PPO iteration on `data` [N, ...]; returns the mean loss terms."""
    fraction = self._annealed()
    self._lr.assign(self._learning_rate * fraction)
    clip_epsilon = tf.constant(self._config.clip_epsilon * fraction,
                               tf.float32)
    data = self._prepare(data)
    minibatches = self._config.num_minibatches
    totals: Dict[str, float] = {}
    round_ = self.num_steps  # The all-reduce's: one per minibatch update.
    for _ in range(self._config.num_epochs):
      # The same order on every replica (same seed), over its own part.
      order = self._rng.permutation(self._replica_unrolls)
      for indices in np.split(order, minibatches):
        metrics = self._update_on(round_, _select(data, indices),
                                  clip_epsilon)
        round_ += 1
        for key, value in metrics.items():
          totals[key] = totals.get(key, 0.0) + float(value)
    updates = self._config.num_epochs * minibatches
    self._num_steps.assign_add(updates)
    self._iteration.assign_add(1)
    metrics = {key: value / updates for key, value in totals.items()}
    metrics.update(learning_rate=self._learning_rate * fraction,
                   clip_epsilon=self._config.clip_epsilon * fraction)
    return metrics

  @property
  def num_steps(self) -> int:
    """Minibatch updates so far, over the whole run (restored with the
    state)."""
    return int(self._num_steps.numpy())

  @property
  def iteration(self) -> int:
    """Iterations (batches learned from) so far, over the whole run."""
    return int(self._iteration.numpy())

  @property
  def state(self) -> Dict[str, Any]:
    """What a checkpoint keeps (acme's TFSaveable)."""
    return {'network': self._network, 'optimizer': self._optimizer,
            'num_steps': self._num_steps, 'iteration': self._iteration}

  def step(self) -> None:
    """One iteration on the next batch from the queue."""
    self.report(self.update(self.next_batch()))

  def next_batch(self) -> Any:
    """The next batch from the queue (waits for one)."""
    return next(self._iterator)

  def update(self, batch: Any) -> Dict[str, float]:
    """The half of `step` that changes the state: one iteration."""
    if self._start is None:
      self._start = time.time()
      self._start_steps = self.num_steps  # Restored ones are not this run's.
    return self.learn_from(batch.data)

  def report(self, metrics: Dict[str, float]) -> None:
    """The other half: the counter and the log (calls to other nodes)."""
    updates = self._config.num_epochs * self._config.num_minibatches
    if self._counter is not None:
      self._counter.increment(learner_steps=updates,
                              learner_frames=self._frames_per_iteration)
    if self._logger is not None:
      elapsed = max(time.time() - self._start, 1e-6)
      num_steps = self.num_steps
      steps = num_steps - self._start_steps
      metrics.update(learner_steps=num_steps, iteration=self.iteration,
                     learner_steps_per_s=steps / elapsed,
                     learner_frames_per_s=(steps / updates *
                                           self._frames_per_iteration /
                                           elapsed))
      self._logger.write(metrics)

  def get_variables(self, names: Sequence[str]) -> List[List[np.ndarray]]:
    """For each name: the policy's weights ('policy'), or [iteration]
    ('iteration'), read before the weights by a caller that needs both."""
    served = {POLICY: lambda: weights.get_weights(self._network),
              ITERATION: lambda: [np.array(self.iteration, np.int64)]}
    return [served[name]() for name in names]


def _select(data: Dict[str, Any], indices: np.ndarray) -> Dict[str, Any]:
  """The unrolls `indices` of time-major `data` (core_state: batch-major)."""
  indices = tf.constant(indices, tf.int32)
  out = {}
  for key, value in data.items():
    axis = 0 if key == 'core_state' else 1
    out[key] = tf.nest.map_structure(
        lambda x, a=axis: tf.gather(x, indices, axis=a), value)
  return out
