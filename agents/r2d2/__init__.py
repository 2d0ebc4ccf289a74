"""R2D2 (Kapturowski et al. 2019): recurrent experience replay in distributed
reinforcement learning, built on the Ape-X machinery of `agents.dqn`.

  from agents import r2d2
  config = r2d2.R2D2Config(sequence_length=40, burn_in=10)
  network = r2d2.make_network(observation_shape, num_actions, config)

Modules: config (R2D2Config, an ApexConfig), networks (LSTM Q-network),
sequences (replay items, the sequence builder, the table), losses (n-step
double Q with value rescaling, sequence priorities), actor, learner.
Shared with other agents: agents.common.value_rescaling, .priorities,
.replay, .networks.ResetCore; the DQN learner and epsilon schedules.

Only the config is imported eagerly; the rest (TensorFlow) loads on use.
"""

from agents.common import lazy
from agents.r2d2.config import R2D2Config

_LAZY = {
    'R2D2Actor': 'agents.r2d2.actor',
    'R2D2Learner': 'agents.r2d2.learner',
    'R2D2Loss': 'agents.r2d2.losses',
    'sequence_loss': 'agents.r2d2.losses',
    'RecurrentQNetwork': 'agents.r2d2.networks',
    'make_network': 'agents.r2d2.networks',
    'REPLAY_TABLE': 'agents.r2d2.sequences',
    'SequenceBuilder': 'agents.r2d2.sequences',
    'replay_table': 'agents.r2d2.sequences',
}


__getattr__, __dir__ = lazy.attributes(__name__, globals(), _LAZY)
