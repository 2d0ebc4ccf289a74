"""Ape-X (Horgan et al. 2018) as a Launchpad program.

The DQN graph (`programs.dqn.build_replay_program`) with prioritized replay:
actor i of N explores with epsilon ** (1 + alpha i / (N - 1)), computes the
initial priorities of its transitions with its own copy of the network and
inserts them in batches; the learner samples with importance weights and
writes new priorities back; actors refresh parameters every
variable_update_period environment steps.
"""

from typing import Any, Optional

import launchpad as lp

from agents.common import budget as budget_lib
from agents.dqn import config as config_lib
from agents.dqn import exploration
from programs import dqn


def make_program(config: config_lib.ApexConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The Ape-X program graph; deploy it with any Launchpad launch type.

  Args: as `programs.impala.make_program`.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  return build_ladder_program('apex', config, environment_name, num_actors,
                              budget, logdir, start_time)


def build_ladder_program(name: str, config: config_lib.ApexConfig,
                         environment_name: str, num_actors: int,
                         budget: budget_lib.Budget, logdir: Optional[str],
                         start_time: Optional[float],
                         **factories: Any) -> lp.Program:
  """The replay graph with the Ape-X epsilon ladder over num_actors actors;
  `factories` go to `programs.dqn.build_replay_program` (R2D2 passes its
  actor, learner and table factories)."""
  epsilons = exploration.apex_epsilons(num_actors, config.epsilon,
                                       config.epsilon_alpha)
  return dqn.build_replay_program(name, config, environment_name, epsilons,
                                  budget, logdir, start_time, **factories)
