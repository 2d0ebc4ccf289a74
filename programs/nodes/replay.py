"""The `replay` node of the replay-based programs: a Reverb server that,
with a checkpoint schedule, loads its newest checkpoint at start (so a
resumed learner does not start from an empty table: items, priorities and
the rate limiter's counts come back) and checkpoints every period and at
the stop, with Reverb's own checkpointer.

Reverb writes each checkpoint into a new directory under
checkpoints/<label>/, marks it complete last (a DONE file) and then deletes
the one before; loading takes the newest complete one, so a crash
mid-checkpoint leaves the one before in force. The queues of IMPALA, PPO
and A2C are replay nodes without a schedule: their unrolls are stale after
a restart.
"""

import glob
import os
from typing import Any, Callable, List, Optional, Sequence

import launchpad as lp
from launchpad import address as lp_address
from launchpad.nodes import base
from launchpad.nodes.python import node as python

from programs.nodes import checkpoints
from programs.nodes import lifecycle

_DONE = 'DONE'


class ReplayHandle(base.Handle):
  """Dereferences to a `reverb.Client` of the node's server."""

  def __init__(self, address: lp_address.Address):
    self._address = address

  def dereference(self) -> Any:
    import reverb  # pylint: disable=g-import-not-at-top
    return reverb.Client(self._address.resolve())


class ReplayNode(python.PyNode):
  """A Reverb server node, as `lp.ReverbNode` is, that imports Reverb only
  where it runs or is dereferenced.

  `lp.ReverbNode`'s module imports Reverb, and Reverb imports TensorFlow:
  a program that merely names one made its launcher load TensorFlow (~0.3
  GiB of RSS and ~3 s before any node started). With a checkpoint
  schedule, the server restores its newest checkpoint and saves every
  period and at the stop (Launchpad's own node saves only every whole
  minute and never at the stop, so a run's last minutes would be lost).
  """

  def __init__(self, tables_fn: Callable[[], Sequence[Any]],
               checkpoint: Optional[checkpoints.Schedule] = None,
               label: str = 'replay'):
    super().__init__(self.run)
    self._tables_fn = tables_fn
    self._schedule = checkpoint
    self._label = label
    self._address = lp_address.Address('reverb')
    self.allocate_address(self._address)

  def create_handle(self) -> ReplayHandle:
    return self._track_handle(ReplayHandle(self._address))

  def run(self) -> None:
    if self._schedule is None:
      self._serve_until_stop()
    else:
      self._serve()

  def _serve_until_stop(self) -> None:
    """As `lp.ReverbNode` serves: the server lives until the process ends.
    Stopping it at the stop would cancel the inserts of actors that are
    still blocked on a full queue, and they would report a failure."""
    self._server = self._new_server()
    lp.wait_for_stop()

  def _new_server(self, **kwargs: Any) -> Any:
    """A Reverb server of this node's tables on its port."""
    import reverb  # pylint: disable=g-import-not-at-top
    return reverb.Server(
        tables=self._tables_fn(),
        port=lp_address.get_port_from_address(self._address.resolve()),
        **kwargs)

  @lifecycle.guarded
  def _serve(self) -> None:
    import reverb  # pylint: disable=g-import-not-at-top
    directory = self._schedule.directory(self._label)
    os.makedirs(directory, exist_ok=True)
    resumed = complete_checkpoints(directory)
    server = self._new_server(
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


def complete_checkpoints(directory: str) -> List[str]:
  """Reverb's complete checkpoints in `directory`, oldest first."""
  done = glob.glob(os.path.join(directory, '*', _DONE))
  return sorted(os.path.dirname(path) for path in done)


def build_replay(tables_fn: Callable[[], Sequence[Any]],
                 checkpoint: Optional[checkpoints.Schedule] = None,
                 label: str = 'replay') -> Any:
  """A replay node serving `tables_fn()`; with `checkpoint`, its tables are
  restored from and saved to checkpoints/<label>."""
  return ReplayNode(tables_fn, checkpoint=checkpoint, label=label)
