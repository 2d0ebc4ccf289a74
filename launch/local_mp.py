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
"""

import os
import sys
import threading
from typing import Any, List, Mapping

from launchpad import context
from launchpad.launch import worker_manager

_COLOURS = (36, 33, 32, 34, 35)


def _relay(read_fd: int, title: str, colour: int) -> None:
  """Copies lines from `read_fd` to stdout, prefixed with the node's title."""
  if sys.stdout.isatty():
    prefix, suffix = f'\x1b[1;{colour}m[{title}] ', '\x1b[0;0m'
  else:
    prefix, suffix = f'[{title}] ', ''
  with os.fdopen(read_fd, 'r', errors='replace') as lines:
    for line in lines:
      sys.stdout.write(f'{prefix}{line.rstrip()}{suffix}\n')
      sys.stdout.flush()


def launch(program: Any, local_resources: Mapping[str, Any]):
  """Starts every node of `program` as a process; returns (manager, relays).

  Args:
    program: an lp.Program.
    local_resources: group -> PythonProcess (per-group environment).

  Returns:
    The WorkerManager (call `wait()`), and the relay threads (join them after
    the wait to drain the last lines).
  """
  for label, nodes in program.groups.items():
    for node in nodes:
      node._initialize_context(  # pylint: disable=protected-access
          context.LaunchType.LOCAL_MULTI_PROCESSING,
          launch_config=local_resources.get(label))
  for label, nodes in program.groups.items():
    for node in nodes:
      for handle in node.input_handles:
        handle.connect(node, label)
  for node in program.get_all_nodes():
    node.bind_addresses()
  commands = []
  for label, nodes in program.groups.items():
    commands.extend(nodes[0].to_executables(nodes, label,
                                            nodes[0].launch_context))

  manager = worker_manager.WorkerManager()
  relays: List[threading.Thread] = []
  for i, command in enumerate(commands):
    read_fd, write_fd = os.pipe()
    env = {**os.environ, **command.env_overrides}
    manager.process_worker(command.title, command.command_as_list, env=env,
                           stdout=write_fd, stderr=write_fd,
                           stdin=open(os.devnull))
    os.close(write_fd)
    relay = threading.Thread(
        target=_relay, args=(read_fd, command.title,
                             _COLOURS[i % len(_COLOURS)]),
        name=f'relay-{command.title}', daemon=True)
    relay.start()
    relays.append(relay)
  return manager, relays
