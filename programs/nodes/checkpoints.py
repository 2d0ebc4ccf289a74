"""Checkpoints of a run, under `<logdir>/checkpoints/`, one directory per node.

  run.json             which run they belong to: program, environment, agent
                       config (the launcher writes it and checks it on resume)
  learner/             TensorFlow checkpoints of the learner's `state`
                       (networks, target networks, optimizer slots, steps)
  counter/             the counter's counts and the run's elapsed seconds
  parameter_server_*/  a shard's (or the ES master's) parameters, optimizer
  replay/              Reverb's own checkpoints (programs.nodes.replay)

Every directory but replay/ holds numbered saves (`ckpt-<n>.*`) and
`latest.json`, which names the newest complete save, its files and their
SHA-256. A save writes its files first and then replaces `latest.json`
(os.replace, atomic), so a crash mid-save leaves the previous save in force;
older saves are deleted only after, keeping the last KEEP. `verify` checks
the hashes without TensorFlow, so the launcher refuses a damaged checkpoint
before any node starts.

Two formats: `TFState` for a learner's trackables (acme's `TFSaveable.state`)
and `PythonState` for objects with acme's `Saveable` `save()`/`restore()`
that hold NumPy arrays and numbers (counter, shards, ES master), pickled.
TensorFlow is imported only by `TFState`, in the learner's process.
"""

import dataclasses
import glob
import hashlib
import json
import os
import pickle
import time
from typing import Any, Callable, Dict, List, Mapping, Optional

ROOT = 'checkpoints'
RUN_FILE = 'run.json'
LATEST_FILE = 'latest.json'
KEEP = 3  # Saves kept per node; older ones are deleted after a new one.


class CheckpointError(Exception):
  """A checkpoint that cannot be used: damaged, or not this run's."""


@dataclasses.dataclass(frozen=True)
class Schedule:
  """Where a run's checkpoints go and how often nodes save them."""

  logdir: str
  period_seconds: float

  def directory(self, label: str) -> str:
    return os.path.join(self.logdir, ROOT, label)


def schedule(logdir: Optional[str],
             period_seconds: float) -> Optional[Schedule]:
  """A Schedule, or None (no checkpoints) without a logdir."""
  return Schedule(logdir, period_seconds) if logdir else None


def atomic_write(path: str, data: bytes) -> None:
  """Writes `data` to `path` so that a reader sees the old or the new file,
  never a part: a temporary file, flushed to disk, then renamed over."""
  temporary = f'{path}.tmp-{os.getpid()}'
  with open(temporary, 'wb') as f:
    f.write(data)
    f.flush()
    os.fsync(f.fileno())
  os.replace(temporary, path)


def _sha256(path: str) -> str:
  digest = hashlib.sha256()
  with open(path, 'rb') as f:
    for block in iter(lambda: f.read(1 << 20), b''):
      digest.update(block)
  return digest.hexdigest()


def latest(directory: str) -> Optional[Dict[str, Any]]:
  """The newest complete save in `directory` (its latest.json, with 'path'
  the save's prefix), after checking its files; None if there is none.

  Raises:
    CheckpointError: latest.json unreadable, or a file missing or changed.
  """
  latest_path = os.path.join(directory, LATEST_FILE)
  if not os.path.exists(latest_path):
    return None
  try:
    with open(latest_path) as f:
      info = json.load(f)
    files = info['files']
  except (OSError, ValueError, KeyError, TypeError) as e:
    raise CheckpointError(f'{latest_path} cannot be read ({e}).') from None
  for name, digest in files.items():
    path = os.path.join(directory, name)
    if not os.path.exists(path):
      raise CheckpointError(f'checkpoint file {path} is missing.')
    if _sha256(path) != digest:
      raise CheckpointError(f'checkpoint file {path} is damaged (its SHA-256 '
                            f'differs from the one {latest_path} recorded).')
  info['path'] = os.path.join(directory, info['prefix'])
  return info


def verify(logdir: str) -> Dict[str, Dict[str, Any]]:
  """Checks every node's newest save under `logdir`; label -> latest info.

  Raises:
    CheckpointError: naming the damaged file.
  """
  root = os.path.join(logdir, ROOT)
  found = {}
  for directory in sorted(glob.glob(os.path.join(root, '*', ''))):
    label = os.path.basename(os.path.dirname(directory))
    info = latest(directory)
    if info is not None:
      found[label] = info
  return found


class PythonState:
  """A checkpoint format for acme `Saveable`s whose state is Python and
  NumPy values (`save() -> state`, `restore(state)`): one pickle per save."""

  def __init__(self, saveable: Any):
    self._saveable = saveable

  def write(self, prefix: str) -> List[str]:
    path = f'{prefix}.pkl'
    atomic_write(path, pickle.dumps(self._saveable.save(),
                                    protocol=pickle.HIGHEST_PROTOCOL))
    return [path]

  def read(self, prefix: str) -> None:
    with open(f'{prefix}.pkl', 'rb') as f:
      self._saveable.restore(pickle.load(f))


def read_python_state(logdir: str, label: str) -> Optional[Any]:
  """The newest saved state of node `label` (PythonState), or None."""
  info = latest(os.path.join(logdir, ROOT, label))
  if info is None:
    return None
  with open(f'{info["path"]}.pkl', 'rb') as f:
    return pickle.load(f)


class TFState:
  """A checkpoint format for TensorFlow trackables (a learner's `state`:
  acme's `TFSaveable`), as one `tf.train.Checkpoint`."""

  def __init__(self, trackables: Mapping[str, Any]):
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    self._checkpoint = tf.train.Checkpoint(**trackables)

  def write(self, prefix: str) -> List[str]:
    path = self._checkpoint.write(prefix)
    return sorted(glob.glob(f'{path}.*'))

  def read(self, prefix: str) -> None:
    # Every variable of the learner must be in the checkpoint: a partial
    # restore (acme's Checkpointer allows it) resumes with fresh optimizer
    # slots or networks and says nothing.
    self._checkpoint.read(prefix).assert_existing_objects_matched()


class Checkpointer:
  """Saves one node's state every `period_seconds` and when asked; restores
  the newest save. Not thread-safe: the owner calls it from one thread or
  under its own lock."""

  def __init__(self, label: str, schedule_: Schedule, state: Any,
               describe: Optional[Callable[[], Dict[str, Any]]] = None,
               clock: Callable[[], float] = time.time):
    """Creates the checkpointer.

    Args:
      label: the node's directory name under checkpoints/.
      schedule_: the run's Schedule.
      state: a TFState or PythonState.
      describe: returns a few numbers recorded with each save and shown on
        resume (e.g. {'learner_steps': 1200}).
      clock: for tests.
    """
    self._directory = schedule_.directory(label)
    self._period = schedule_.period_seconds
    self._state = state
    self._describe = describe or dict
    self._clock = clock
    self._number = 0
    self._last_save = clock()
    os.makedirs(self._directory, exist_ok=True)

  @property
  def directory(self) -> str:
    return self._directory

  def restore(self) -> Optional[Dict[str, Any]]:
    """Restores the newest save; its info ('path', 'saved_at', the
    described numbers), or None if there is none.

    Raises:
      CheckpointError: the save is damaged or does not fit the state.
    """
    info = latest(self._directory)
    if info is None:
      return None
    try:
      self._state.read(info['path'])
    except Exception as e:  # pylint: disable=broad-except
      raise CheckpointError(
          f'checkpoint {info["path"]} does not fit this node: '
          f'{type(e).__name__}: {e}') from e
    self._number = int(info['number'])
    self._last_save = self._clock()
    return info

  def maybe_save(self) -> Optional[str]:
    """Saves if the period has passed since the last save or restore."""
    if self._clock() - self._last_save < self._period:
      return None
    return self.save()

  def save(self) -> str:
    """Saves now; returns the save's path prefix."""
    self._number += 1
    prefix = f'ckpt-{self._number}'
    files = self._state.write(os.path.join(self._directory, prefix))
    for path in files:  # On disk before latest.json names them.
      with open(path, 'rb') as f:
        os.fsync(f.fileno())
    info = {'number': self._number, 'prefix': prefix,
            'saved_at': time.time(), **self._describe(),
            'files': {os.path.basename(f): _sha256(f) for f in files}}
    atomic_write(os.path.join(self._directory, LATEST_FILE),
                 json.dumps(info, indent=1).encode())
    self._last_save = self._clock()
    self._delete_before(self._number - KEEP + 1)
    return os.path.join(self._directory, prefix)

  def _delete_before(self, number: int) -> None:
    """Deletes the files of saves numbered below `number`."""
    for path in glob.glob(os.path.join(self._directory, 'ckpt-*')):
      name = os.path.basename(path)
      try:
        saved = int(name.split('-', 1)[1].split('.', 1)[0])
      except ValueError:
        continue
      if saved < number and os.path.isfile(path):
        os.remove(path)


def start(label: str, schedule_: Schedule, state: Any,
          describe: Callable[[], Dict[str, Any]],
          summary: Callable[[], str]) -> Checkpointer:
  """A node's Checkpointer, after restoring the node's newest save, which is
  said on the terminal: `[label] resumed from PATH: <summary()>`.

  Raises:
    CheckpointError: the save is damaged or does not fit the state.
  """
  checkpointer = Checkpointer(label, schedule_, state, describe=describe)
  restored = checkpointer.restore()
  if restored:
    print(f'[{label}] resumed from {restored["path"]}: {summary()}',
          flush=True)
  return checkpointer
