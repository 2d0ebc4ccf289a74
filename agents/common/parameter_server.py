"""A sharded parameter server (Dean et al. 2012, as in Gorila and A3C).

`ParameterShard` holds some of a network's variables (NumPy arrays, no
TensorFlow), applies gradients to them with its own optimizer as they
arrive, and counts its updates (its version). A gradient computed on a
shard's parameters more than `max_staleness` versions ago is dropped, as in
Gorila. With `synchronous_workers=N` (A2C) a shard instead applies, once per
round, the mean of one gradient from each of N workers. `ShardedParameters`
is the client side: it splits a network's
variables over the shards, pushes gradients and pulls the whole set back in
the network's variable order (so it serves as a `get_variables` source).

Shards are Courier nodes; each call runs under the shard's lock, so pushes
from many learners are applied one at a time, in arrival order. Arrays go
to a shard packed as bytes (`agents.common.wire`). A client that must wait
for an update (A2C's round) waits on the shard, `wait_for_version`, bounded
by a timeout, instead of polling it.

Remote calls go out through the clients' `futures`, all shards at once;
what happens to a call in flight when the program stops is the clients'
business (the node library's stoppable clients give it up).
"""

import threading
import time
from typing import (Any, Dict, List, Mapping, Optional, Sequence, Tuple,
                    Union)

import numpy as np

from agents.common import optimizers
from agents.common import wire

WAIT_SECONDS = 60.0  # How long readers wait for the first initialisation.
POLL_SECONDS = 0.2


def shard_assignment(shapes: Sequence[Sequence[int]],
                     num_shards: int) -> List[int]:
  """Shard of each variable: greedy by size, largest first, ties by index.

  Deterministic in `shapes`, so every process computes the same split.
  """
  sizes = [int(np.prod(s)) for s in shapes]
  loads = [0] * num_shards
  assignment = [0] * len(shapes)
  for index in sorted(range(len(shapes)), key=lambda i: (-sizes[i], i)):
    shard = min(range(num_shards), key=lambda s: (loads[s], s))
    assignment[index] = shard
    loads[shard] += sizes[index]
  return assignment


class ParameterShard:
  """Some variables of a network, updated by pushed gradients."""

  def __init__(self, optimizer: str, learning_rate: float,
               max_staleness: Optional[int] = None,
               optimizer_kwargs: Optional[Dict[str, float]] = None,
               synchronous_workers: Optional[int] = None):
    """Creates an empty shard; the first `initialize` call fills it.

    Args:
      optimizer: 'adam', 'rmsprop' or 'sgd' (agents.common.optimizers).
      learning_rate: the optimizer's step size.
      max_staleness: drop gradients computed on parameters more than this
        many updates old; None accepts all.
      optimizer_kwargs: beta1, beta2, epsilon, decay.
      synchronous_workers: None applies every gradient on arrival (A3C,
        Gorila). N > 0 collects one gradient from each of N workers at the
        current version, then applies their mean once (A2C); a gradient
        from an older version is dropped.
    """
    self._optimizer = optimizers.Optimizer(optimizer, learning_rate,
                                           **(optimizer_kwargs or {}))
    self._max_staleness = max_staleness
    self._synchronous_workers = synchronous_workers
    self._pending: List[List[np.ndarray]] = []  # A2C: this round's so far.
    self._lock = threading.Lock()
    self._updated = threading.Condition(self._lock)  # Notified per update.
    self._ready = threading.Event()
    self._indices: List[int] = []
    self._parameters: List[np.ndarray] = []
    self.version = 0
    self.applied = 0
    self.dropped = 0

  def initialize(self, indices: Sequence[int],
                 parameters: Union[wire.Packed, Sequence[np.ndarray]]) -> bool:
    """Sets the shard's variables (their indices in the network) once.

    Returns:
      True if this call initialised the shard; False if it already was
      (every learner calls it; the first wins, and all start from the same
      seeded weights anyway).
    """
    with self._lock:
      if self._ready.is_set():
        return False
      self._indices = [int(i) for i in indices]
      self._parameters = [np.array(p, np.float32)
                          for p in wire.unpack(parameters)]
      self._ready.set()
      return True

  def get_parameters(self) -> Optional[Tuple[int, List[int],
                                             List[np.ndarray]]]:
    """(version, variable indices, arrays), or None before initialisation.

    Never blocks: a handler waiting here would hold one of the shard's few
    server threads, and the learner's `initialize` could not get in.
    """
    if not self._ready.is_set():
      return None
    with self._lock:
      return self.version, list(self._indices), [p.copy()
                                                 for p in self._parameters]

  def apply_gradients(self,
                      gradients: Union[wire.Packed, Sequence[np.ndarray]],
                      version: int, return_parameters: bool = False
                      ) -> Tuple[bool, int, Optional[List[np.ndarray]]]:
    """Applies `gradients` computed on this shard's parameters at `version`.

    Args:
      gradients: one per variable of the shard (packed or arrays).
      version: the shard's version the gradients were computed at.
      return_parameters: also answer with the parameters after the update
        (saves the pusher a separate pull).

    Returns:
      (applied, the shard's version after the call, its parameters or None).
      A stale gradient, more than max_staleness updates behind, is dropped.
    """
    if not self._ready.is_set():
      raise RuntimeError('Gradients pushed to an uninitialised shard.')
    with self._lock:
      if self._synchronous_workers:
        applied = self._gather(wire.unpack(gradients), version)
      else:
        applied = (self._max_staleness is None or
                   self.version - version <= self._max_staleness)
        if applied:
          self._optimizer.apply(wire.unpack(gradients), self._parameters)
          self._advance()
      if not applied:
        self.dropped += 1
      parameters = ([p.copy() for p in self._parameters]
                    if return_parameters else None)
      return applied, self.version, parameters

  def _gather(self, gradients: Sequence[np.ndarray], version: int) -> bool:
    """A2C: keeps this round's gradient; the round's last applies the mean.

    Returns:
      False if the gradient is from an earlier round (dropped), else True.
      Its effect shows once the version moves past `version`.
    """
    if version != self.version:
      return False
    self._pending.append([np.asarray(g, np.float32) for g in gradients])
    if len(self._pending) == self._synchronous_workers:
      mean = [np.mean(parts, axis=0) for parts in zip(*self._pending)]
      self._optimizer.apply(mean, self._parameters)
      self._pending = []
      self._advance()
    return True

  def _advance(self) -> None:
    """Counts an applied update (under the lock) and wakes its waiters."""
    self.version += 1
    self.applied += 1
    self.on_update()
    self._updated.notify_all()

  def wait_for_version(self, version: int, timeout_seconds: float
                       ) -> Optional[Tuple[int, List[np.ndarray]]]:
    """Waits until this shard's version exceeds `version`.

    Bounded: a waiting handler holds one of the server's threads, so the
    caller waits in pieces of `timeout_seconds` (about a second) and calls
    again.

    Returns:
      (version, parameters) once version > `version`; None at the timeout.
    """
    with self._updated:
      if not self._updated.wait_for(lambda: self.version > version,
                                    timeout_seconds):
        return None
      return self.version, [p.copy() for p in self._parameters]

  def on_update(self) -> None:
    """Called (under the lock) after each update; a hook for subclasses."""

  def save(self) -> Dict[str, Any]:
    """Parameters, optimizer state and counts (acme's Saveable); a
    checkpoint of an uninitialised shard holds no parameters. An A2C round
    in progress is not kept: its workers push again."""
    with self._lock:
      return self._state()

  def _state(self) -> Dict[str, Any]:
    """`save()`'s state; the caller holds the lock."""
    return {'indices': list(self._indices),
            'parameters': [p.copy() for p in self._parameters],
            'optimizer': self._optimizer.save(), 'version': self.version,
            'applied': self.applied, 'dropped': self.dropped,
            'ready': self._ready.is_set()}

  def restore(self, state: Mapping[str, Any]) -> None:
    """Takes a `save()`d state; restored parameters count as the shard's
    initialisation (learners' `initialize` calls then change nothing)."""
    with self._lock:
      self._indices = [int(i) for i in state['indices']]
      self._parameters = [np.array(p, np.float32)
                          for p in state['parameters']]
      self._optimizer.restore(state['optimizer'])
      self.version = int(state['version'])
      self.applied = int(state['applied'])
      self.dropped = int(state['dropped'])
      self._pending = []
      if state['ready']:
        self._ready.set()

  def stats(self) -> Dict[str, int]:
    with self._lock:
      return {'version': self.version, 'applied': self.applied,
              'dropped': self.dropped}


class ShardedParameters:
  """A network's variables spread over shards, seen as one list."""

  def __init__(self, shards: Sequence[Any]):
    """Creates the client.

    Args:
      shards: ParameterShard objects, or clients of shard nodes (anything
        with `futures`: calls to every shard are then in flight at once).
    """
    self._shards = list(shards)
    self._indices: Optional[List[List[int]]] = None
    self._size: Optional[int] = None

  @property
  def num_shards(self) -> int:
    return len(self._shards)

  def initialize(self, parameters: Sequence[np.ndarray]) -> None:
    """Offers `parameters` (the full list) to every shard, split by size."""
    assignment = shard_assignment([np.shape(p) for p in parameters],
                                  len(self._shards))
    for shard_id, shard in enumerate(self._shards):
      indices = [i for i, s in enumerate(assignment) if s == shard_id]
      shard.initialize(indices, wire.pack([parameters[i] for i in indices]))

  def pull(self) -> Tuple[List[np.ndarray], List[int]]:
    """(all arrays in network order, version of each shard).

    Waits (polling, at most WAIT_SECONDS) for the shards' initialisation.
    """
    deadline = time.time() + WAIT_SECONDS
    while True:
      answers = _call_all(self._shards, 'get_parameters',
                          [() for _ in self._shards])
      if all(a is not None for a in answers):
        break
      if time.time() > deadline:
        raise TimeoutError(f'No learner initialised the parameter shards in '
                           f'{WAIT_SECONDS} s.')
      time.sleep(POLL_SECONDS)
    self._indices = [indices for _, indices, _ in answers]
    self._size = sum(len(i) for i in self._indices)
    return (self._merge([arrays for _, _, arrays in answers]),
            [version for version, _, _ in answers])

  def _merge(self, parts: Sequence[Sequence[np.ndarray]]) -> List[np.ndarray]:
    parameters: Dict[int, np.ndarray] = {}
    for indices, arrays in zip(self._indices, parts):
      parameters.update(zip(indices, arrays))
    if sorted(parameters) != list(range(self._size)):
      raise ValueError('The shards do not hold one whole network: indices '
                       f'{sorted(parameters)}.')
    return [parameters[i] for i in range(self._size)]

  def push(self, gradients: Sequence[np.ndarray], versions: Sequence[int],
           pull: bool = False
           ) -> Tuple[List[bool], Optional[Tuple[List[np.ndarray],
                                                List[int]]]]:
    """Sends each shard its gradients, computed at `versions` (from pull).

    Args:
      gradients: one per variable, in network order.
      versions: each shard's version the gradients were computed at.
      pull: also bring back the parameters after the update, in the same
        round trip (what `pull()` returns).

    Returns:
      (whether each shard applied its part (False: dropped as stale), the
      pulled (parameters, versions) or None).
    """
    if self._indices is None:
      raise RuntimeError('push before the first pull: the split is unknown.')
    if len(gradients) != self._size:
      raise ValueError(f'{len(gradients)} gradients for {self._size} '
                       'variables.')
    answers = _call_all(
        self._shards, 'apply_gradients',
        [(wire.pack([gradients[i] for i in indices]), version, pull)
         for indices, version in zip(self._indices, versions)])
    applied = [a for a, _, _ in answers]
    if not pull:
      return applied, None
    return applied, (self._merge([p for _, _, p in answers]),
                     [v for _, v, _ in answers])

  def wait(self, versions: Sequence[int], timeout_seconds: float
           ) -> Optional[Tuple[List[np.ndarray], List[int]]]:
    """The parameters once every shard is past `versions` (what `pull`
    returns), or None if one is not within `timeout_seconds`.

    A2C's workers wait here for their round; parameters travel once, when
    the round is done.
    """
    answers = _call_all(self._shards, 'wait_for_version',
                        [(int(v), float(timeout_seconds)) for v in versions])
    if any(a is None for a in answers):
      return None
    return (self._merge([arrays for _, arrays in answers]),
            [version for version, _ in answers])

  def get_variables(self, names: Sequence[str]) -> List[List[np.ndarray]]:
    """The whole network's arrays for each name (a variable source)."""
    parameters, _ = self.pull()
    return [parameters for _ in names]


def _call_all(shards: Sequence[Any], method: str,
              args: Sequence[Tuple[Any, ...]]) -> List[Any]:
  """shard.method(*args) on every shard; remote ones all in flight at once."""
  calls = [getattr(shard.futures, method)(*shard_args)
           if hasattr(shard, 'futures') else getattr(shard, method)(*shard_args)
           for shard, shard_args in zip(shards, args)]
  return [call.result() if hasattr(shard, 'futures') else call
          for shard, call in zip(shards, calls)]
