"""Gorila (Nair et al. 2015) as a Launchpad program.

  actor x N --transitions--> replay (shared table, or one per bundle)
                                  |
  learner x M <---- batches ------+    each with its own target network
     | gradients        ^ parameters (every parameter_pull_period updates;
     v                  |             target every target_update_period)
  parameter_server x S shards (apply asynchronously, drop stale gradients)
     | parameters
     v
  actors (every variable_update_period env steps), evaluator
  counter (+ budget) <-- everyone

'bundled' replay mode: actor i, replay i and learner i form a bundle (the
paper's bundled mode, which keeps experience local to one machine); it needs
num_learners == num_actors. Wiring only; the DQN pieces are
`programs.dqn`'s factories and `agents.dqn`.
"""

import functools
import time
from typing import Any, Optional, Sequence

import launchpad as lp

from agents.common import budget as budget_lib
from agents.dqn import config as config_lib
from programs import dqn
from programs import nodes


def make_learner(replay: Any, counter: Any, shards: Sequence[Any],
                 **kwargs: Any) -> Any:
  """A Gorila learner sampling `replay` and pushing to `shards`."""
  from agents import dqn as dqn_agent  # pylint: disable=g-import-not-at-top
  from agents.common import parameter_server  # pylint: disable=g-import-not-at-top
  return dqn_agent.GorilaLearner(
      parameters=parameter_server.ShardedParameters(
          shards, lp.stop_event().is_set),
      **dqn.learner_inputs(replay, counter, **kwargs))


def make_program(config: config_lib.GorilaConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The Gorila program graph; deploy it with any Launchpad launch type.

  Args: as `programs.impala.make_program`; config.num_learners learners and
  config.num_shards parameter-server shards.

  Raises:
    ValueError: bad environment, num_actors < 1, continuous actions, or
      bundled replay with num_learners != num_actors.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  bundled = config.replay_mode == 'bundled'
  if bundled and config.num_learners != num_actors:
    raise ValueError(
        f'GorilaConfig.replay_mode=bundled pairs actors and learners: '
        f'num_learners={config.num_learners} must equal num_actors='
        f'{num_actors}.')
  spec = dqn.check_discrete(environment_name, 'gorila')
  start_time = time.time() if start_time is None else start_time
  program = lp.Program('gorila')

  counter = nodes.add_counter(program, budget, start_time)

  with program.group('replay'):
    tables = functools.partial(dqn.replay_tables, spec['observation_shape'],
                               config)
    replays = [program.add_node(lp.ReverbNode(tables))
               for _ in range(num_actors if bundled else 1)]

  optimizer_kwargs = (
      {'epsilon': config.adam_epsilon} if config.optimizer == 'adam' else
      {'epsilon': config.rmsprop_epsilon, 'decay': config.rmsprop_decay})
  shards = nodes.build_parameter_shards(
      program, config.num_shards, optimizer=config.optimizer,
      learning_rate=config.learning_rate, max_staleness=config.max_staleness,
      optimizer_kwargs=optimizer_kwargs)

  with program.group('learner'):
    for learner_id in range(config.num_learners):
      program.add_node(lp.CourierNode(
          nodes.LearnerRunner,
          make_learner=functools.partial(
              make_learner, config=config, environment_name=environment_name,
              logdir=logdir, start_time=start_time, log=learner_id == 0),
          replay=replays[learner_id % len(replays)], counter=counter,
          shards=shards))

  dqn.add_actors(program, config, environment_name, [dqn.LINEAR] * num_actors,
                 shards, [replays[i % len(replays)] for i in range(num_actors)],
                 counter, logdir, start_time)
  dqn.add_evaluator(program, config, environment_name, num_actors, shards,
                    counter, logdir, start_time, budget)
  return program
