"""IMPALA (Espeholt et al. 2018): actors send unrolls through a queue to one
learner that corrects their policy lag with V-trace.

  from agents import impala
  config = impala.IMPALAConfig(batch_size=16)
  network = impala.make_network(observation_shape, num_actions, config)

Modules: config (hyperparameters), networks (Sonnet), losses (V-trace
through trfl), learner. The actor and the queue items are shared with PPO
and A3C: `agents.common.unroll_actor`, `agents.common.unrolls`.

Only the config is imported eagerly; the rest (TensorFlow) loads on first
use, so that the launcher and TF-free nodes can read configs in ~0.1 s.
"""

from agents.common import lazy
from agents.impala.config import IMPALAConfig

_LAZY = {
    'UnrollActor': 'agents.common.unroll_actor',
    'IMPALALearner': 'agents.impala.learner',
    'IMPALANetwork': 'agents.impala.networks',
    'make_network': 'agents.impala.networks',
    'QUEUE_TABLE': 'agents.common.unrolls',
    'signature': 'agents.common.unrolls',
    'UnrollWriter': 'agents.common.unrolls',
}


__getattr__, __dir__ = lazy.attributes(__name__, globals(), _LAZY)
