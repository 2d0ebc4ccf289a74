"""An A3C/A2C worker: the batched unroll actor IMPALA and PPO use too
(`agents.common.unroll_actor.UnrollActor`, which records a rollout of t_max
steps per environment) whose rollouts go to a `GradientPusher` instead of a queue.

The pusher computes the gradient of the rollout's loss on the worker's copy
of the network, sends it to the parameter server and copies the parameters
it answers with into that copy, so the next rollout acts on them (on-policy,
as A3C's threads do). In A2C mode it waits until the server has applied the
round's averaged gradient, blocked on the server (bounded waits), not
polling it.
"""

from typing import Any, Callable, Dict, List

import numpy as np
import tensorflow as tf

from agents.a3c import config as config_lib
from agents.a3c import losses
from agents.common import actor_critic
from agents.common import weights
from agents.common import unroll_actor
from agents.common import unrolls as unrolls_lib

# A2C: one wait on the server for the round lasts at most this long; the
# worker then looks at the stop and waits again.
ROUND_WAIT_SECONDS = 1.0


class GradientPusher:
  """Turns rollouts into gradients on the parameter server."""

  def __init__(self, network: actor_critic.ActorCriticNetwork,
               parameters: Any, config: config_lib.A3CConfig,
               should_stop: Callable[[], bool] = lambda: False):
    """Creates the pusher and syncs `network` with the server.

    Args:
      network: the worker's copy; overwritten with the server's parameters.
      parameters: `agents.common.parameter_server.ShardedParameters` (or
        anything with initialize, pull, push and wait).
      config: loss options and the synchronous switch.
      should_stop: looked at between the waits for an A2C round.
    """
    self._network = network
    self._parameters = parameters
    self._config = config
    self._should_stop = should_stop
    # Every worker offers its seeded weights; the first offer wins.
    parameters.initialize(weights.get_weights(network))
    values, self._versions = parameters.pull()
    weights.set_weights(network, values)
    self.pushes = 0
    self.metrics: Dict[str, float] = {}

    @tf.function(autograph=False)
    def gradients(rollout, core_state):  # Time-major rollout.
      variables = network.trainable_variables
      with tf.GradientTape() as tape:
        logits, values, _ = network.unroll(rollout['observation'],
                                           rollout['first'], core_state)
        metrics = losses.unroll_loss(logits, values, rollout, config)
      grads = tape.gradient(metrics['loss'], variables)
      grads, metrics['gradient_norm'] = tf.clip_by_global_norm(
          grads, config.max_gradient_norm)
      return grads, metrics
    self._gradients = gradients

  def gradient(self, unrolls: Dict[str, Any]) -> List[np.ndarray]:
    """The clipped gradient [one per variable] of batch-major `unrolls`."""
    data = unrolls_lib.time_major(unrolls)
    grads, metrics = self._gradients(data, unrolls_lib.start_state(data))
    self.metrics = {k: float(v) for k, v in metrics.items()}
    return [g.numpy() for g in grads]

  def write(self, unrolls: Dict[str, Any]) -> bool:
    """Pushes the gradient of `unrolls`; takes the new parameters.

    Returns:
      False if the program stopped while an A2C round was awaited.
    """
    grads = self.gradient(unrolls)
    pushed_at = self._versions
    if not self._config.synchronous:
      _, (values, self._versions) = self._parameters.push(grads, pushed_at,
                                                          pull=True)
    else:
      self._parameters.push(grads, pushed_at)
      pulled = None
      while pulled is None:  # Until every shard has applied this round.
        if self._should_stop():
          return False
        pulled = self._parameters.wait(pushed_at, ROUND_WAIT_SECONDS)
      values, self._versions = pulled
    weights.set_weights(self._network, values)
    self.pushes += 1
    return True


def make_worker(network: actor_critic.ActorCriticNetwork, num_envs: int,
                parameters: Any, config: config_lib.A3CConfig, seed: int,
                should_stop: Callable[[], bool] = lambda: False
                ) -> unroll_actor.UnrollActor:
  """A worker: a batched actor whose every t_max-step rollout is pushed."""
  pusher = GradientPusher(network, parameters, config, should_stop)
  return unroll_actor.UnrollActor(network, num_envs, config, writer=pusher,
                                  seed=seed)


def make_evaluation_actor(network: actor_critic.ActorCriticNetwork,
                          num_envs: int, variable_client: Any,
                          config: config_lib.A3CConfig,
                          seed: int) -> unroll_actor.UnrollActor:
  """An actor that records nothing and reads the server's parameters."""
  return unroll_actor.UnrollActor(network, num_envs, config, writer=None,
                                  variable_client=variable_client, seed=seed,
                                  greedy=config.eval_greedy)


