"""LSPI as map-reduce (Lagoudakis & Parr 2003; Li & Schuurmans 2011) as a
Launchpad program.

  mapper x K --(A_k [F, F], b_k [F]: 880 bytes on the chain walk)--> reducer
     ^                                                                 |
     +------------------ w [F] (each round) ---------------------------+
  counter (+ budget) <-- samples (mappers), rounds (reducer)

`--num_actors` is K, the mappers. Each mapper draws its shard of the run's
one sample set in its own process (the K shards are the same N samples for
every K) and keeps it as features; every round the reducer sends the
weights to all mappers at once, adds their partial LSTD-Q sums, solves
(A + delta I) w = b and stops the program once the greedy policy on the
probe states no longer changes, the weights move less than epsilon, or
after max_iterations. No node imports TensorFlow (except to log to
TensorBoard, with a logdir). Node code: `programs.nodes.map_reduce`;
maths: `agents.lspi`.
"""

import time
from typing import Optional

import launchpad as lp

from agents.lspi import config as config_lib
from agents.lspi import tasks
from programs.nodes import budget as budget_lib
from programs.nodes import counter as counter_lib
from programs.nodes import map_reduce


def make_program(config: config_lib.LSPIConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The LSPI program graph; `num_actors` mappers.

  Raises:
    ValueError: an environment without a feature basis, num_actors < 1, or
      more mappers than samples.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} (mappers) must be >= 1.')
  tasks.check(environment_name)
  if num_actors > config.num_samples:
    raise ValueError(f'num_actors={num_actors} mappers but num_samples='
                     f'{config.num_samples}: every mapper needs a sample.')
  start_time = time.time() if start_time is None else start_time
  program = lp.Program('lspi')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(budget, start_time))
  with program.group('mapper'):
    mappers = [program.add_node(map_reduce.build_mapper(
        environment_name=environment_name, config=config, shard=k,
        num_shards=num_actors, counter=counter)) for k in range(num_actors)]
  with program.group('reducer'):
    program.add_node(map_reduce.build_reducer(
        mappers=mappers, counter=counter, environment_name=environment_name,
        config=config, logdir=logdir, start_time=start_time))
  return program
