"""The DPG core (Silver et al. 2014; Lillicrap et al. 2016) with D4PG's
options (n-step returns, prioritized replay, a categorical critic), shared
by the Ape-X DPG and DPG-R programs.

  from agents import dpg
  config = dpg.ApexDPGConfig(distributional=True)
  policy, critic = dpg.make_networks(observation_shape, minimum, maximum,
                                     config)

Modules: config (DPGConfig, ApexDPGConfig, DPGRConfig), networks (Sonnet
policy and critic), losses (trfl's DPG and distributional TD ops),
exploration (Gaussian noise, Ape-X ladder), actor, learner, parts (what the
programs' actors and learners are built from).

Only the configs are imported eagerly; the rest (TensorFlow) loads on first
use, so that the launcher and TF-free nodes read configs in ~0.1 s.
"""

from agents.common import lazy
from agents.dpg.config import ApexDPGConfig
from agents.dpg.config import DPGConfig
from agents.dpg.config import DPGRConfig

_LAZY = {
    'DPGActor': 'agents.dpg.actor',
    'DPGLearner': 'agents.dpg.learner',
    'DPGLoss': 'agents.dpg.learner',
    'VARIABLE_NAMES': 'agents.dpg.learner',
    'make_networks': 'agents.dpg.networks',
    'noise_ladder': 'agents.dpg.exploration',
    'actor_parts': 'agents.dpg.parts',
    'learner_parts': 'agents.dpg.parts',
    'replay_table': 'agents.dpg.parts',
    'REPLAY_TABLE': 'agents.dqn.transitions',
}


__getattr__, __dir__ = lazy.attributes(__name__, globals(), _LAZY)
