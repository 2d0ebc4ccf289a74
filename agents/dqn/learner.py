"""The DQN family's learner: samples transitions from replay, takes one
gradient step on the (importance-weighted) loss of `agents.dqn.losses`,
writes the new priorities back to the table, and copies the online network
into the target network every `target_update_period` updates.
"""

import time
from typing import Any, Dict, Iterator, List, Optional, Sequence, Tuple

import acme
import numpy as np
import tensorflow as tf

from agents.common import optimizers
from agents.common import priorities
from agents.common import replay_samples
from agents.common import weights
from agents.dqn import config as config_lib
from agents.dqn import losses
from agents.dqn import networks

COUNT_PERIOD = 10  # Learner steps per counter RPC.


class DQNLoss:
  """The loss and its clipped gradients for an online/target network pair.

  Shared by the learner that applies its gradients (`DQNLearner`) and the
  one that sends them to a parameter server (`agents.dqn.gorila_learner`).
  """

  def __init__(self, network: networks.QNetwork,
               target_network: networks.QNetwork,
               config: config_lib.DQNConfig):
    self.network = network
    self.target_network = target_network
    self.config = config

  def __call__(self, data: Dict[str, Any], probability: tf.Tensor,
               table_size: tf.Tensor) -> Tuple[tf.Tensor, Dict[str, tf.Tensor],
                                               tf.Tensor]:
    """(scalar loss, metrics, priorities [B]) of a batch of transitions."""
    config = self.config
    observations = tf.concat([data['observation'], data['next_observation']],
                             axis=0)  # One online pass for both.
    online = self.network(observations)
    b = tf.shape(data['observation'])[0]
    split = lambda out: (networks.QOutput(*[None if x is None else x[:b]
                                            for x in out]),
                         networks.QOutput(*[None if x is None else x[b:]
                                            for x in out]))
    online_tm1, online_t = split(online)
    target_t = self.target_network(data['next_observation'])
    out = losses.q_learning_loss(online_tm1, online_t, target_t, data, config,
                                 atoms=self.network.atoms)
    if config.prioritized:
      importance = priorities.importance_weights(
          probability, table_size, config.importance_sampling_exponent)
    else:
      importance = tf.ones_like(out.loss)
    loss = tf.reduce_mean(importance * out.loss)
    metrics = {'loss': loss,
               'q_mean': tf.reduce_mean(online_tm1.q_values),
               'priority_mean': tf.reduce_mean(out.priority)}
    return loss, metrics, out.priority

  def gradients(self, data: Dict[str, Any], probability: tf.Tensor,
                table_size: tf.Tensor) -> Tuple[List[tf.Tensor],
                                                Dict[str, tf.Tensor],
                                                tf.Tensor]:
    """Global-norm-clipped gradients, metrics, priorities."""
    variables = self.network.trainable_variables
    with tf.GradientTape() as tape:
      loss, metrics, priority = self(data, probability, table_size)
    gradients = tape.gradient(loss, variables)
    gradients, norm = tf.clip_by_global_norm(gradients,
                                             self.config.max_gradient_norm)
    metrics['gradient_norm'] = norm
    return gradients, metrics, priority


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


class DQNLearner(acme.core.Learner):
  """Consumes batches of transitions [B, ...]; see `agents.dqn.transitions`.

  The loss is the class attribute LOSS: R2D2's learner is this one with its
  sequence loss (`agents.r2d2.learner`).
  """

  LOSS = DQNLoss

  def __init__(self, network: networks.QNetwork,
               target_network: networks.QNetwork, iterator: Iterator[Any],
               config: config_lib.DQNConfig,
               priority_writer: Optional[replay_samples.PriorityWriter] = None,
               counter: Optional[Any] = None, logger: Optional[Any] = None):
    """Creates the learner.

    Args:
      network: the online network, trained in place.
      target_network: same architecture; overwritten from `network` now and
        every config.target_update_period updates.
      iterator: yields reverb.ReplaySample batches (info and data).
      config: loss, optimizer and replay options.
      priority_writer: where new priorities go (prioritized replay).
      counter: has `increment(**counts)`.
      logger: has `write(dict)`; called every step (it throttles itself).
    """
    self._loss = self.LOSS(network, target_network, config)
    self._network = network
    self._target_network = target_network
    self._iterator = iterator
    self._config = config
    self._priority_writer = priority_writer
    self._steps = StepCounter(counter, config.batch_size)
    self._logger = logger
    # Slots made now, not inside the first step: a tf.function that creates
    # variables is traced twice (R2D2's step: 4.3 s of start-up -> 2.1 s),
    # and a checkpoint restored before the first step must find them.
    self._optimizer = optimizers.make_sonnet_optimizer(
        config, network.trainable_variables)
    # A variable, so that checkpoints keep it (target updates count on it).
    self._num_steps = tf.Variable(0, dtype=tf.int64, trainable=False,
                                  name='num_steps')
    self._start = None  # Rates count from the first batch.
    self._start_steps = 0
    self.update_target()

  # No autograph: the step has no tensor-dependent Python control flow,
  # and converting sonnet's and trfl's code took most of the trace time.
  @tf.function(autograph=False)
  def _step(self, data, probability, table_size):
    gradients, metrics, priority = self._loss.gradients(data, probability,
                                                        table_size)
    self._optimizer.apply(gradients, self._network.trainable_variables)
    return metrics, priority

  @tf.function
  def _copy_to_target(self):
    for source, target in zip(self._network.variables,
                              self._target_network.variables):
      target.assign(source)

  @property
  def num_steps(self) -> int:
    """Updates so far, over the whole run (restored with the state)."""
    return int(self._num_steps.numpy())

  def _count_step(self) -> int:
    """Counts one update; returns the count after it."""
    return int(self._num_steps.assign_add(1).numpy())

  def update_target(self) -> None:
    """Copies the online network's variables into the target network."""
    self._copy_to_target()

  def learn_from(self, sample: Any) -> Tuple[Dict[str, float], np.ndarray]:
    """One update on a ReplaySample; returns metrics and new priorities."""
    _, probability, table_size = replay_samples.sample_info(sample)
    metrics, priority = self._step(sample.data, probability, table_size)
    if self._count_step() % self._config.target_update_period == 0:
      self.update_target()
    return {k: float(v) for k, v in metrics.items()}, priority.numpy()

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

  def get_variables(self, names: Sequence[str]) -> List[List[np.ndarray]]:
    """The online network's weights for each name asked."""
    return [weights.get_weights(self._network) for _ in names]

  @property
  def state(self) -> Dict[str, Any]:
    """What a checkpoint keeps (acme's TFSaveable): both networks, the
    optimizer with its slots, the update count."""
    return {'network': self._network, 'target_network': self._target_network,
            'optimizer': self._optimizer, 'num_steps': self._num_steps}

  def save(self) -> Dict[str, List[np.ndarray]]:
    return {'network': weights.get_weights(self._network),
            'target_network': weights.get_weights(self._target_network)}

  def restore(self, state: Dict[str, List[np.ndarray]]) -> None:
    weights.set_weights(self._network, state['network'])
    weights.set_weights(self._target_network, state['target_network'])

