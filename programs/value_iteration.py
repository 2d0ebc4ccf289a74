"""Dynamic programming as map-reduce (Li & Schuurmans 2011) as a Launchpad
program: value iteration, policy evaluation or policy iteration on a large
sparse grid world.

  mapper x K --(V_block [B], greedy [B])--> reducer
     ^                                         |
     +---- V[columns] (+ pi[block]) each sweep +
  counter (+ budget) <-- sweeps (reducer)

`--num_actors` is K, the mappers. Mapper k builds rows [start_k, stop_k) of
the model (P_a, R_a) in its own process and keeps them; a row of an n x n
grid reaches only states within one grid row, so each sweep the reducer
sends mapper k just V[start_k - n, stop_k + n), gets back its block of the
backup, assembles V and stops the program once a sweep changes V by less
than tolerance (1 - gamma) / gamma in sup-norm (then |V - V*| <
tolerance). `--hparam=mode=policy_evaluation|policy_iteration` picks the
other modes. No node imports TensorFlow (except to log to TensorBoard, with
a logdir). Node code: `programs.nodes.map_reduce`; maths:
`agents.value_iteration`.
"""

import time
from typing import Optional

import launchpad as lp

from agents.value_iteration import config as config_lib
from agents.value_iteration import model
from programs.nodes import budget as budget_lib
from programs.nodes import counter as counter_lib
from programs.nodes import map_reduce


def make_program(config: config_lib.ValueIterationConfig,
                 environment_name: str, *, num_actors: int,
                 budget: budget_lib.Budget, logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The value-iteration program graph; `num_actors` mappers.

  Raises:
    ValueError: a task that is not a model, num_actors < 1, or more mappers
      than states.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} (mappers) must be >= 1.')
  model.check(environment_name)
  num_states = model.num_states(config.grid_size)
  if num_actors > num_states:
    raise ValueError(f'num_actors={num_actors} mappers but grid_size='
                     f'{config.grid_size} has {num_states} states: every '
                     'mapper needs a row.')
  blocks = model.row_blocks(num_states, num_actors)
  start_time = time.time() if start_time is None else start_time
  program = lp.Program('value_iteration')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(budget, start_time))
  with program.group('mapper'):
    mappers = [program.add_node(map_reduce.build_value_iteration_mapper(
        config=config, start=start, stop=stop)) for start, stop in blocks]
  with program.group('reducer'):
    program.add_node(map_reduce.build_value_iteration_reducer(
        mappers=mappers, blocks=blocks, counter=counter, config=config,
        logdir=logdir, start_time=start_time))
  return program
