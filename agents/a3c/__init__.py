"""A3C and A2C (Mnih et al. 2016): workers compute gradients of their own
rollouts and push them to a parameter server (`agents.common.
parameter_server`), which applies them with shared-statistics RMSProp as
they arrive (A3C) or averages one per worker per round (A2C).

  from agents import a3c
  config = a3c.A3CConfig(unroll_length=20, entropy_cost=0.01)

Modules: config (A3CConfig, A2CConfig), losses (trfl's advantage
actor-critic loss), worker (the IMPALA actor with a GradientPusher),
learner (A2C under central inference: the same loss on a queue's unrolls,
`--program=a2c --hparam=inference=central`).
The network is `agents.common.actor_critic`, shared with IMPALA.

Only the configs are imported eagerly; the rest (TensorFlow) loads on use.
"""

from agents.a3c.config import A2CConfig
from agents.a3c.config import A3CConfig
from agents.common import lazy

_LAZY = {
    'rollout_loss': 'agents.a3c.losses',
    'unroll_loss': 'agents.a3c.losses',
    'A2CLearner': 'agents.a3c.learner',
    'GradientPusher': 'agents.a3c.worker',
    'make_worker': 'agents.a3c.worker',
    'make_evaluation_actor': 'agents.a3c.worker',
    'make_network': 'agents.common.actor_critic',
}


__getattr__, __dir__ = lazy.attributes(__name__, globals(), _LAZY)
