"""The tasks LSPI runs on: a sampler, a feature basis and the probe states
of each, by environment name. LSPI needs a basis phi(s, a) chosen for the
task (the paper's polynomials for the chain walk), so it takes only the
tasks named here; the programs refuse any other before launch.

  shard = tasks.make_shard('chain_walk', config, k, num_shards)  # mapper k
  probe = tasks.probe_features('chain_walk')  # the reducer's stop rule
"""

from typing import Tuple

import numpy as np

from agents.common import chain_walk
from agents.lspi import config as config_lib
from agents.lspi import lstdq

TASKS = ('chain_walk',)


def check(environment_name: str, program: str = 'lspi') -> None:
  """Raises ValueError naming the tasks `program` takes."""
  if environment_name not in TASKS:
    raise ValueError(
        f'{program} needs a task with a feature basis for LSTD-Q; '
        f'environment {environment_name!r} has none. Tasks: '
        f'{", ".join(TASKS)}.')


def make_shard(environment_name: str, config: config_lib.LSPIConfig,
               shard: int, num_shards: int) -> lstdq.Shard:
  """Mapper `shard`'s samples of the run's one sample set, as features.

  Shard k draws samples [start_k, stop_k) of `lstdq.shard_ranges`, seeded
  from (config.seed, block): the K shards together are the same N samples
  for every K.
  """
  check(environment_name)
  start, stop = lstdq.shard_ranges(config.num_samples, num_shards)[shard]
  transitions = chain_walk.sample_transitions(stop - start, config.seed,
                                              first_sample=start)
  return lstdq.make_shard(transitions, chain_walk.features_per_action)


def probe_features(environment_name: str) -> np.ndarray:
  """phi(s, a) for every action of the states whose greedy actions decide
  "policy unchanged", [M, A, F]: the chain walk's every state."""
  check(environment_name)
  return chain_walk.features_per_action(np.arange(chain_walk.NUM_STATES))


def optimal_policy(environment_name: str,
                   config: config_lib.LSPIConfig) -> Tuple[int, ...]:
  """The exact optimal actions on the probe states, from the task's model
  (what the reducer reports the greedy policy against)."""
  check(environment_name)
  return tuple(int(a) for a in chain_walk.optimal_policy(config.discount))


def policy_string(actions: np.ndarray) -> str:
  """'LLLLLLLLLLRRRRRRRRRR' for the chain walk's LEFT/RIGHT actions."""
  return ''.join('LR'[int(a)] for a in actions)
