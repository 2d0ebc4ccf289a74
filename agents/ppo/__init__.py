"""PPO (Schulman et al. 2017) run the way Stooke & Abbeel 2018 run it:
actors sample unrolls for a batch of environments, a learner makes several
epochs of clipped-surrogate minibatch updates on each batch.

  from agents import ppo
  config = ppo.PPOConfig(num_epochs=4)         # synchronous sampling
  config = ppo.APPOConfig()                    # asynchronous sampling

The policy and how it samples are shared, not PPO's own: the network is
`agents.common.actor_critic` (IMPALA's and A3C's), the actor and queue items
are `agents.common.unroll_actor` and `agents.common.unrolls` (IMPALA's), and
synchronous mode is `agents.common.synchronous_sampling`. PPO's own parts:
config, losses (GAE, clipped surrogate), learner (epochs of minibatches),
actor (which sampling mode).

Only the configs are imported eagerly; the rest (TensorFlow) loads on use.
"""

from agents.common import lazy
from agents.ppo.config import APPOConfig
from agents.ppo.config import PPOConfig

_LAZY = {
    'gae': 'agents.ppo.losses',
    'ppo_loss': 'agents.ppo.losses',
    'PPOLearner': 'agents.ppo.learner',
    'make_actor': 'agents.ppo.actor',
    'make_network': 'agents.common.actor_critic',
    'QUEUE_TABLE': 'agents.common.unrolls',
}


__getattr__, __dir__ = lazy.attributes(__name__, globals(), _LAZY)
