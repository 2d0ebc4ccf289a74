"""Launchpad's local_mp launch with every node's output relayed line by line.

Launchpad 0.5.2's `current_terminal` mode pipes each node through `sed`,
which block-buffers when the launcher's output is not a terminal (a file, a
pipe, CI): progress lines then arrive minutes late or only at exit. Here the
nodes are set up exactly as `launchpad.launch.local_multi_processing` does,
started through Launchpad's WorkerManager (so stop, Ctrl-C and the kill
after the termination notice behave as in Launchpad), and their output is
relayed by a thread per node that writes each line as soon as it arrives.
Nodes are Popen workers, so a node that exits with an error before the stop
makes `manager.wait()` raise.

Restartable nodes (actors, evaluators, workers: nothing else holds state
that others need) run under `launch.supervise`, which restarts a node
process that dies, up to `max_restarts` times, before its failure stops the
program. Launchpad 0.5.2 makes one command, hence one process, per node
(`<python> .../process_entry.py --data_file <group's job.pkl> --lp_task_id
<i>`), so each node gets a supervisor of its own.
"""

import os
import sys
import threading
from typing import Any, Callable, Collection, List, Mapping, Optional, Sequence

from launchpad import context
from launchpad.launch import worker_manager

from launch import supervise
from programs.nodes import lifecycle

_COLOURS = (36, 33, 32, 34, 35)
# Lines not relayed: Reverb prints one per 100 records while it loads a
# checkpoint (thousands when a run resumes), saying nothing the replay
# node's own "resumed from" line does not.
_DROPPED = ('Still reading compressed trajectory data',)
# Groups whose nodes keep nothing the others need: a restarted one takes up
# its work where a new one would. Learner, replay, counter, variable and
# parameter servers hold the run's state; their death stops the program.
RESTARTABLE_GROUPS = ('actor', 'evaluator', 'worker')


def is_restartable(label: str, restartable_groups: Collection[str]) -> bool:
  """True if every group of `label` is restartable: a colocated group
  ('replay+learner+evaluator', launch/colocation.py) restarts as one
  process, so only if all of its parts may."""
  return all(group in restartable_groups for group in label.split('+'))


def supervised(command: List[str], title: str,
               max_restarts: int) -> List[str]:
  """`command` run by `launch.supervise`, which restarts it if it dies."""
  return [sys.executable, '-m', 'launch.supervise', f'--title={title}',
          f'--max_restarts={max_restarts}', '--', *command]


def _relay(read_fd: int, title: str, colour: int) -> None:
  """Copies lines from `read_fd` to stdout, prefixed with the node's title."""
  if sys.stdout.isatty():
    prefix, suffix = f'\x1b[1;{colour}m[{title}] ', '\x1b[0;0m'
  else:
    prefix, suffix = f'[{title}] ', ''
  with os.fdopen(read_fd, 'r', errors='replace') as lines:
    for line in lines:
      if any(text in line for text in _DROPPED):
        continue
      sys.stdout.write(f'{prefix}{line.rstrip()}{suffix}\n')
      sys.stdout.flush()


# What every node process needs in its environment, unless set already.
# TensorFlow 2.8 first imported inside absl's app.run (a node process imports
# it from Launchpad's process_entry main) without TF2_BEHAVIOR=1 fails every
# tf.function with a while loop at its first call ("Op type not registered
# '..._while_cond_...'": the IMPALA learner's V-trace scan). TensorFlow's own
# import sets the variable, so nodes inherited it for as long as the
# launcher imported TensorFlow, which it no longer does
# (tests/launch/launcher_imports_test.py).
NODE_ENV = {'TF2_BEHAVIOR': '1'}

# What nodes sharing this machine need too (local launches only; a Vertex
# AI node has its machine to itself). NumPy's OpenBLAS starts a thread per
# core in every process, and its threads spin on small matrices while
# other nodes want the cores: two AlphaZero self-play actors on 2 cores
# ran 6,800 against 4,900 simulations/s each on one thread
# (benchmarks/results.md). TensorFlow does not use OpenBLAS.
SHARED_MACHINE_ENV = {'OPENBLAS_NUM_THREADS': '1'}


def launch(program: Any, local_resources: Mapping[str, Any], *,
           max_restarts: int = 0,
           restartable_groups: Collection[str] = RESTARTABLE_GROUPS,
           bind_addresses: Optional[Callable[[Any], None]] = None,
           select: Optional[Callable[[str], Sequence[int]]] = None,
           program_stopper: Optional[Callable[[], None]] = None):
  """Starts the nodes of `program` as processes; returns (manager, relays).

  Args:
    program: an lp.Program.
    local_resources: group -> PythonProcess (per-group environment).
    max_restarts: how often a node of a restartable group is restarted
      after its process died before its failure stops the program; 0 runs
      every node unsupervised.
    restartable_groups: groups whose nodes may be restarted.
    bind_addresses: binds every node address of the program (multi_host:
      launch/cluster.py); default: free ports on localhost.
    select: label -> indexes of the group's nodes to start here (multi_host:
      this host's share); default: all. Titles keep the group index.
    program_stopper: what `lp.stop()` in a node calls instead of Launchpad's
      SIGTERM to this launcher (multi_host: launch/coordinator.py).

  Returns:
    The WorkerManager (call `wait()`), and the relay threads (join them after
    the wait to drain the last lines).
  """
  for label, nodes in program.groups.items():
    for node in nodes:
      node._initialize_context(  # pylint: disable=protected-access
          context.LaunchType.LOCAL_MULTI_PROCESSING,
          launch_config=local_resources.get(label))
      if program_stopper is not None:
        # Pickled with the node: what its lp.stop() calls.
        node._launch_context._program_stopper = program_stopper  # pylint: disable=protected-access
  for label, nodes in program.groups.items():
    for node in nodes:
      for handle in node.input_handles:
        handle.connect(node, label)
  if bind_addresses is None:
    for node in program.get_all_nodes():
      node.bind_addresses()
  else:
    bind_addresses(program)
  commands = []  # [(command, supervised)]
  for label, nodes in program.groups.items():
    indexes = range(len(nodes)) if select is None else select(label)
    if not indexes:
      continue
    restart = max_restarts > 0 and is_restartable(label, restartable_groups)
    mine = [nodes[i] for i in indexes]
    for i, command in zip(indexes, mine[0].to_executables(
        mine, label, mine[0].launch_context)):
      command.title = f'{label}/{i}'
      commands.append((command, restart))

  manager = worker_manager.WorkerManager()
  # A node (or supervisor) whose launcher dies (SIGKILL, a closed terminal)
  # gets SIGTERM and stops, instead of running on as an orphan. The relay
  # threads start after every fork: a preexec_fn is safe only while the
  # forking process has no other threads.
  preexec_fn = supervise.die_with_parent_fn()
  relays: List[threading.Thread] = []
  for i, (command, restart) in enumerate(commands):
    read_fd, write_fd = os.pipe()
    env = {**NODE_ENV, **SHARED_MACHINE_ENV, **os.environ,
           **command.env_overrides,
           lifecycle.NODE_TITLE_ENV: command.title}  # For its messages.
    command_as_list = command.command_as_list
    if restart:
      command_as_list = supervised(command_as_list, command.title,
                                   max_restarts)
    manager.process_worker(command.title, command_as_list, env=env,
                           stdout=write_fd, stderr=write_fd,
                           stdin=open(os.devnull), preexec_fn=preexec_fn)
    os.close(write_fd)
    relays.append(threading.Thread(
        target=_relay, args=(read_fd, command.title,
                             _COLOURS[i % len(_COLOURS)]),
        name=f'relay-{command.title}', daemon=True))
  for relay in relays:
    relay.start()
  return manager, relays
