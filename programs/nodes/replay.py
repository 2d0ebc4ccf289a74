"""The `replay` node of the replay-based programs: a Reverb server that,
with a checkpoint schedule, loads its newest checkpoint at start (so a
resumed learner does not start from an empty table: items, priorities and
the rate limiter's counts come back) and checkpoints every period and at
the stop, with Reverb's own checkpointer.

Reverb writes each checkpoint into a new directory under
checkpoints/<label>/, marks it complete last (a DONE file) and then deletes
the one before; loading takes the newest complete one, so a crash
mid-checkpoint leaves the one before in force. The IMPALA queue is a plain
`lp.ReverbNode`: its unrolls are stale after a restart.
"""

import glob
import os
from typing import Any, Callable, List, Optional, Sequence

import launchpad as lp

from programs.nodes import checkpoints
from programs.nodes import lifecycle

_DONE = 'DONE'


def _define_replay_node() -> type:
  """Defines ReplayNode (see `__getattr__`)."""

  class ReplayNode(lp.ReverbNode):
    """lp.ReverbNode whose server restores and saves Reverb checkpoints.

    Launchpad's own node checkpoints only every whole minute and never at the
    stop, so the last minutes of a run would be lost.
    """

    def __init__(self, priority_tables_fn: Callable[[], Sequence[Any]],
                 checkpoint: Optional[checkpoints.Schedule] = None,
                 label: str = 'replay'):
      super().__init__(priority_tables_fn)
      self._schedule = checkpoint
      self._label = label

    def run(self) -> None:
      if self._schedule is None:
        super().run()
        return
      self._serve()

    @lifecycle.guarded
    def _serve(self) -> None:
      import reverb  # pylint: disable=g-import-not-at-top
      from launchpad import address as lp_address  # pylint: disable=g-import-not-at-top
      directory = self._schedule.directory(self._label)
      os.makedirs(directory, exist_ok=True)
      resumed = complete_checkpoints(directory)
      server = reverb.Server(
          tables=self._priority_tables_fn(),
          port=lp_address.get_port_from_address(self._address.resolve()),
          checkpointer=reverb.checkpointers.DefaultCheckpointer(directory))
      client = server.localhost_client()
      if resumed:
        sizes = {name: info.current_size
                 for name, info in client.server_info().items()}
        print(f'[{self._label}] resumed from {resumed[-1]}: table sizes '
              f'{sizes}', flush=True)
      try:
        while not lp.wait_for_stop(self._schedule.period_seconds):
          client.checkpoint()
      finally:
        print(f'[{self._label}] checkpoint: {client.checkpoint()}',
              flush=True)
        server.stop()

  ReplayNode.__module__ = __name__
  ReplayNode.__qualname__ = 'ReplayNode'
  return ReplayNode


def __getattr__(name: str) -> Any:
  """`ReplayNode` is defined on first use: subclassing lp.ReverbNode imports
  Reverb, and the node library loads without it (nodes that need none stay
  small). Pickles name it as usual (programs.nodes.replay.ReplayNode)."""
  if name == 'ReplayNode':
    globals()[name] = _define_replay_node()
    return globals()[name]
  raise AttributeError(f'module {__name__!r} has no attribute {name!r}')


def complete_checkpoints(directory: str) -> List[str]:
  """Reverb's complete checkpoints in `directory`, oldest first."""
  done = glob.glob(os.path.join(directory, '*', _DONE))
  return sorted(os.path.dirname(path) for path in done)


def build_replay(tables_fn: Callable[[], Sequence[Any]],
                 checkpoint: Optional[checkpoints.Schedule] = None,
                 label: str = 'replay') -> Any:
  """A replay node serving `tables_fn()`; with `checkpoint`, its tables are
  restored from and saved to checkpoints/<label>."""
  node_class = globals().get('ReplayNode') or __getattr__('ReplayNode')
  return node_class(tables_fn, checkpoint=checkpoint, label=label)
