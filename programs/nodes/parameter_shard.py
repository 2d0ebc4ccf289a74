"""The `parameter_server` nodes: a shard of a network's parameters that
applies pushed gradients (Gorila, A3C, A2C), and the ES master, a shard fed
with returns. Both serve until the program stops and may count each update
they apply as a learner step (where no learner node counts: A3C, A2C, ES).
With a checkpoint schedule each restores its newest save (parameters,
optimizer slots, version) at start and saves every period and at the stop,
under checkpoints/<label>.
"""

from typing import Any, Optional

import launchpad as lp

from agents.common import parameter_server
from agents.es import config as es_config
from agents.es import master as es_master
from agents.es import policy as es_policy
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import lifecycle


class _ShardNode:
  """What both shard nodes add to their shard: counting and serving."""

  _counter: Optional[counter_lib.CounterClient] = None
  _checkpointer: Optional[checkpoints.Checkpointer] = None

  def _count_updates_into(self, counter: Any) -> None:
    if counter is not None:
      self._counter = counter_lib.CounterClient(
          lifecycle.StoppableClient(counter))

  def _checkpoint(self, schedule: Optional[checkpoints.Schedule],
                  label: str) -> None:
    """Restores the newest save of `label`, and saves from now on."""
    if schedule is None:
      return
    self._checkpointer = checkpoints.start(
        label, schedule, checkpoints.PythonState(self),
        describe=lambda: {'version': self.version},
        summary=lambda: f'version {self.version}')

  def on_update(self) -> None:
    if self._counter is not None:
      self._counter.increment(learner_steps=1)  # Asynchronous.

  @lifecycle.guarded
  def run(self) -> None:
    if self._checkpointer is None:
      lp.wait_for_stop()
      return
    try:
      while not lp.wait_for_stop(lifecycle.POLL_SECONDS):
        self._checkpointer.maybe_save()  # save() takes the shard's lock.
    finally:
      self._checkpointer.save()


class ParameterShardNode(_ShardNode, parameter_server.ParameterShard):
  """A parameter-server shard as a node."""

  @lifecycle.guarded
  def __init__(self, counter: Any = None,
               checkpoint: Optional[checkpoints.Schedule] = None,
               label: str = 'parameter_server', **shard_kwargs: Any):
    parameter_server.ParameterShard.__init__(self, **shard_kwargs)
    self._count_updates_into(counter)
    self._checkpoint(checkpoint, label)


def build_parameter_shard(counter: Any = None,
                          checkpoint: Optional[checkpoints.Schedule] = None,
                          label: str = 'parameter_server',
                          **shard_kwargs: Any) -> lp.CourierNode:
  """A shard (`agents.common.parameter_server.ParameterShard(**shard_kwargs)`);
  with a `counter` handle it counts each update it applies as a learner step
  (give it to one shard: one count per update of the whole network). With
  `checkpoint` it is saved as checkpoints/<label> (one label per shard)."""
  return lifecycle.BoundedCourierNode(ParameterShardNode, counter=counter,
                                      checkpoint=checkpoint, label=label,
                                      **shard_kwargs)


class ESMasterNode(_ShardNode, es_master.ESMaster):
  """The ES master as a node; counts each iteration as a learner step."""

  @lifecycle.guarded
  def __init__(self, counter: Any, environment_name: str,
               config: es_config.ESConfig, num_workers: int,
               checkpoint: Optional[checkpoints.Schedule] = None):
    es_master.ESMaster.__init__(
        self, config, num_workers,
        es_policy.environment_layer_shapes(environment_name, config))
    self._count_updates_into(counter)
    self._checkpoint(checkpoint, 'parameter_server')


def build_es_master(counter: Any, environment_name: str,
                    config: es_config.ESConfig, num_workers: int,
                    checkpoint: Optional[checkpoints.Schedule] = None
                    ) -> lp.CourierNode:
  """The ES master for `num_workers` workers on `environment_name`; with
  `checkpoint`, saved as checkpoints/parameter_server."""
  return lifecycle.BoundedCourierNode(
      ESMasterNode, counter=counter, environment_name=environment_name,
      config=config, num_workers=num_workers, checkpoint=checkpoint)
