"""The DQN core (Mnih et al. 2015) with the Rainbow line's options (double
Q, n-step returns, prioritized replay, dueling and C51 heads), shared by the
DQN, Ape-X and Gorila programs.

  from agents import dqn
  config = dqn.DQNConfig(n_step=3, dueling=True)
  network = dqn.make_network(observation_shape, num_actions, config)

Modules: config (DQNConfig, ApexConfig, GorilaConfig), networks (Sonnet
Q-network), transitions (n-step accumulator, replay table, writer), losses
(trfl Q-learning ops, Huber, importance weights), exploration (epsilon
schedules, Ape-X ladder), actor, learner, parts (what every replay-family
actor and learner is built from),
gorila_learner (gradients to a parameter server).

Only the configs are imported eagerly; the rest (TensorFlow) loads on first
use, so that the launcher and TF-free nodes read configs in ~0.1 s.
"""

from agents.common import lazy
from agents.dqn.config import ApexConfig
from agents.dqn.config import DQNConfig
from agents.dqn.config import GorilaConfig

_LAZY = {
    'DQNActor': 'agents.dqn.actor',
    'apex_epsilons': 'agents.dqn.exploration',
    'LINEAR': 'agents.dqn.exploration',
    'linear_epsilon': 'agents.dqn.exploration',
    'DQNLearner': 'agents.dqn.learner',
    'DQNLoss': 'agents.dqn.learner',
    'PriorityWriter': 'agents.common.replay_samples',
    'VARIABLE_NAMES': 'agents.dqn.parts',
    'actor_parts': 'agents.dqn.parts',
    'learner_parts': 'agents.dqn.parts',
    'GorilaLearner': 'agents.dqn.gorila_learner',
    'QNetwork': 'agents.dqn.networks',
    'make_network': 'agents.dqn.networks',
    'NStepAccumulator': 'agents.dqn.transitions',
    'REPLAY_TABLE': 'agents.dqn.transitions',
    'TransitionWriter': 'agents.dqn.transitions',
    'replay_table': 'agents.dqn.transitions',
}


__getattr__, __dir__ = lazy.attributes(__name__, globals(), _LAZY)
