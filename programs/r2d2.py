"""R2D2 (Kapturowski et al. 2019) as a Launchpad program.

The Ape-X graph (`programs.dqn.build_replay_program`) with the ladder of
`programs.apex`, where what flows is sequences instead of transitions:

  actor x N --sequences + stored LSTM state + priorities--> replay
     ^                                                       |
     |                       learner <--prioritized batches--+
     |                          |--- new sequence priorities --> replay
     +---- variable_server <----+
  evaluator <-- variable_server       counter (+ budget) <-- everyone

Wiring only: the factories below run in their node's process.
"""

from typing import Any, Optional, Union

import launchpad as lp

from agents.common import budget as budget_lib
from agents.r2d2 import config as config_lib
from programs import apex
from programs import dqn


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.R2D2Config,
               seed: int, epsilon: Union[float, str],
               table: Optional[str] = None) -> Any:
  """An R2D2 actor for `environment`; records sequences if `replay`."""
  from agents import r2d2  # pylint: disable=g-import-not-at-top
  return r2d2.R2D2Actor(
      num_envs=environment.num_envs, config=config, seed=seed,
      **dqn.actor_parts(r2d2, environment, variable_source, replay,
                        should_stop, config=config, epsilon=epsilon,
                        table=table))


def make_learner(replay: Any, counter: Any, **kwargs: Any) -> Any:
  """The R2D2 learner, sampling sequences from the replay table."""
  from agents import r2d2  # pylint: disable=g-import-not-at-top
  return r2d2.R2D2Learner(**dqn.learner_inputs(replay, counter, agent=r2d2,
                                               **kwargs))


def replay_tables(observation_shape: Any,
                  config: config_lib.R2D2Config) -> Any:
  from agents.r2d2 import sequences  # pylint: disable=g-import-not-at-top
  return [sequences.replay_table(observation_shape, config)]


def make_program(config: config_lib.R2D2Config, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The R2D2 program graph; deploy it with any Launchpad launch type.

  Args: as `programs.impala.make_program`.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions.
  """
  return apex.build_ladder_program(
      'r2d2', config, environment_name, num_actors, budget, logdir,
      start_time, actor_factory=make_actor, learner_factory=make_learner,
      tables=replay_tables)
