"""PPO's actor: the shared unroll actor (`agents.common.unroll_actor`),
sampling synchronously or asynchronously as the config says.

The policy, its unrolls and the queue are IMPALA's; only how the actor
takes new weights differs between the two modes.
"""

from typing import Any, Callable, Optional

from agents.common import actor_critic
from agents.common import synchronous_sampling
from agents.common import unroll_actor
from agents.common import unrolls
from agents.common import variable_client as variable_client_lib
from agents.ppo import config as config_lib
from agents.ppo import learner as learner_lib


def make_actor(network: actor_critic.ActorCriticNetwork, num_envs: int,
               config: config_lib.PPOConfig, variable_source: Any,
               replay: Optional[Any] = None,
               should_stop: Callable[[], bool] = lambda: False,
               seed: int = 0, greedy: bool = False) -> Any:
  """A batched actor for `num_envs` environments.

  Args:
    network: the actor's copy of the policy.
    num_envs: B, environments per policy call.
    config: unroll length, mode, variable update period.
    variable_source: has `get_variables(names)`. Synchronous mode with a
      replay: the learner itself ('iteration' and 'policy'); otherwise a
      variable server ('policy').
    replay: a Reverb client; unrolls go to its queue. None: an evaluation
      actor, which records nothing and never waits.
    should_stop: polled while writing and while waiting.
    seed: seeds action sampling.
    greedy: argmax actions (evaluation).

  Returns:
    An actor with select_action, observe_first, observe and update.
  """
  writer = None
  if replay is not None:
    writer = unrolls.UnrollWriter(replay, unrolls.QUEUE_TABLE, should_stop)
  if config.synchronous and writer is not None:
    actor = unroll_actor.UnrollActor(network, num_envs, config, writer,
                                     seed=seed)
    return synchronous_sampling.SynchronousActor(
        actor, network.variables, variable_source, should_stop)
  client = variable_client_lib.VariableClient(
      variable_source, {learner_lib.POLICY: network.variables},
      update_period=config.variable_update_period)
  return unroll_actor.UnrollActor(network, num_envs, config, writer, client,
                                  seed=seed, greedy=greedy)
