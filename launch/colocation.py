"""Runs node groups of a program as threads of shared processes.

On one machine every TensorFlow process costs ~0.4-0.7 GiB of RSS and ~2 s
of start-up; nodes that mostly wait (replay server, counter, variable
server, evaluator) can share the learner's process, and actors can share
one process when the learner, not the actors, bounds the run.
`colocate(program, sets)` rewrites a built program so that each set of
groups becomes one Launchpad `MultiThreadingColocation` node (group name:
the set's groups joined by '+'); every handle stays valid, since the same
node objects run, in threads. Chosen per launch (`LaunchConfig.colocate`),
so the program graphs stay the same.
"""

import importlib
from typing import Sequence

import launchpad as lp

# Imported once before the threads start: first imports of large packages
# from several threads at once are where CPython's import machinery races.
PREIMPORTS = ('tensorflow', 'reverb', 'gymnasium.envs.classic_control')


class ColocatedNodes(lp.MultiThreadingColocation):
  """MultiThreadingColocation that imports PREIMPORTS before its threads."""

  def run(self):
    for module in PREIMPORTS:
      importlib.import_module(module)
    return super().run()


def parse(text_items: Sequence[str]) -> tuple:
  """CLI form 'replay+learner+counter,actor' (a flag list) -> sets."""
  return tuple(tuple(g for g in item.split('+') if g) for item in text_items)


def colocate(program: lp.Program,
             sets: Sequence[Sequence[str]]) -> lp.Program:
  """`program` with each set of groups run as threads of one process.

  Raises:
    ValueError: a group the program lacks, a group in two sets, or a set of
      fewer than two nodes.
  """
  seen = set()
  for groups in sets:
    missing = [g for g in groups if g not in program.groups]
    if missing:
      raise ValueError(f'colocate names group(s) {missing}, which program '
                       f'{program.name!r} lacks; its groups: '
                       f'{", ".join(program.groups)}.')
    twice = seen.intersection(groups)
    if twice:
      raise ValueError(f'colocate names group(s) {sorted(twice)} in two '
                       'sets.')
    seen.update(groups)
    if sum(len(program.groups[g]) for g in groups) < 2:
      raise ValueError(f'colocate set {list(groups)} holds one node: '
                       'nothing to share a process with.')
  merged = lp.Program(program.name)
  for label, nodes in program.groups.items():
    if label not in seen:
      for node in nodes:
        merged.add_node(node, label=label)
  for groups in sets:
    inner = [node for g in groups for node in program.groups[g]]
    merged.add_node(ColocatedNodes(inner),
                    label='+'.join(groups))
  return merged
