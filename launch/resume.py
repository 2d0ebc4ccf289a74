"""What a launch does with its --logdir: resume the run it holds, or start
fresh without destroying anything.

  new or empty logdir                  fresh start
  checkpoints/run.json of the same     resume: nodes restore their newest
  program, environment and config      checkpoints, the run's clock goes on
                                       from the counter's elapsed seconds
  another program/environment/config,  refused (exit 2, with the reason),
  or a damaged checkpoint              unless --fresh
  --fresh, or logs but no checkpoint   the old contents move to
                                       <logdir>.old-<time> (printed); fresh

Settings that change how a run is watched or stopped, not what it learns
(budgets, node counts, launch type, log/eval/checkpoint periods) may differ
on resume; any other agent hyperparameter may not.
"""

import dataclasses
import json
import os
import time
from typing import Any, Dict, List, Mapping

from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib

# Agent config fields a resumed run may change (the rest must match).
CHANGEABLE_SUFFIXES = ('_period_seconds', '_refresh_seconds')
CHANGEABLE = ('eval_episodes', 'eval_greedy', 'eval_epsilon')


class ResumeRefused(ValueError):
  """The logdir holds a run this launch cannot continue."""


@dataclasses.dataclass(frozen=True)
class Plan:
  """What the launch does with its logdir."""

  resume: bool
  elapsed_seconds: float  # Of the run being resumed; 0 for a fresh start.
  messages: List[str]  # For the terminal, in order.


def record(resolved: Mapping[str, Any]) -> Dict[str, Any]:
  """What run.json keeps of a launch (`launch.config.Built.resolved`)."""
  return {'program': resolved['program'],
          'environment': resolved['environment'],
          'hparams': dict(resolved['hparams'])}


def _changeable(name: str) -> bool:
  return name in CHANGEABLE or name.endswith(CHANGEABLE_SUFFIXES)


def differences(saved: Mapping[str, Any],
                current: Mapping[str, Any]) -> List[str]:
  """What keeps `current` from resuming `saved` (both `record`s)."""
  found = []
  for key in ('program', 'environment'):
    if saved.get(key) != current[key]:
      found.append(f'{key} {saved.get(key)!r} (checkpoint) vs '
                   f'{current[key]!r} (this launch)')
  saved_hparams = saved.get('hparams', {})
  # JSON turned tuples into lists; compare the JSON forms.
  current_hparams = json.loads(json.dumps(current['hparams'], default=str))
  for name in sorted(set(saved_hparams) | set(current_hparams)):
    if _changeable(name):
      continue
    if saved_hparams.get(name) != current_hparams.get(name):
      found.append(f'{name}={saved_hparams.get(name)!r} (checkpoint) vs '
                   f'{current_hparams.get(name)!r} (this launch)')
  return found


def move_aside(logdir: str) -> str:
  stamp = time.strftime('%Y%m%d-%H%M%S')
  target = f'{logdir.rstrip(os.sep)}.old-{stamp}'
  suffix = 1
  while os.path.exists(target):
    suffix += 1
    target = f'{logdir.rstrip(os.sep)}.old-{stamp}-{suffix}'
  os.rename(logdir, target)
  return target


def prepare_member_logdir(logdir: str, resume: bool) -> List[str]:
  """A multi_host member's log directory: kept when the run resumes, moved
  aside (if it holds anything) when it starts afresh. Returns messages."""
  if resume or not (os.path.isdir(logdir) and os.listdir(logdir)):
    return []
  return [f'{logdir} held an earlier run: moved to {move_aside(logdir)}']


def plan(logdir: str, current: Mapping[str, Any], fresh: bool) -> Plan:
  """Decides between resume and fresh start, moving old logs aside for a
  fresh start; writes run.json for a fresh start.

  Args:
    logdir: the launch's --logdir.
    current: `record(...)` of this launch.
    fresh: --fresh was given.

  Raises:
    ResumeRefused: the logdir holds another run's checkpoint or a damaged
      one, and `fresh` is False.
  """
  messages = []
  run_file = os.path.join(logdir, checkpoints.ROOT, checkpoints.RUN_FILE)
  used = os.path.isdir(logdir) and bool(os.listdir(logdir))
  if used and os.path.exists(run_file) and not fresh:
    how = ('pass --fresh to move it aside and start over, or choose a new '
           '--logdir')
    try:
      with open(run_file) as f:
        saved = json.load(f)
    except (OSError, ValueError) as e:
      raise ResumeRefused(f'--logdir={logdir}: {run_file} cannot be read '
                          f'({e}); {how}.') from None
    found = differences(saved, current)
    if found:
      raise ResumeRefused(
          f'--logdir={logdir} holds a checkpoint of another run: '
          f'{"; ".join(found)}. Relaunch with the same settings to resume it; '
          f'{how}.')
    try:
      saves = checkpoints.verify(logdir)
      elapsed = counter_lib.elapsed_seconds(logdir) or 0.0
    except (checkpoints.CheckpointError, OSError, ValueError, KeyError) as e:
      raise ResumeRefused(f'--logdir={logdir}: cannot resume: {e}; '
                          f'{how}.') from None
    messages.append(
        f'resuming the run in {logdir} at {elapsed:.1f} s of run time from '
        + (', '.join(f'{label} (save {info["number"]}'
                     + ''.join(f', {k} {info[k]}' for k in info
                               if k.endswith(('_steps', 'version')))
                     + ')' for label, info in saves.items())
           or 'no node checkpoint yet'))
    return Plan(True, elapsed, messages)
  if used:
    why = 'with --fresh' if fresh else 'without a checkpoint to resume'
    messages.append(f'{logdir} held an earlier run ({why}): moved to '
                    f'{move_aside(logdir)}')
  os.makedirs(os.path.dirname(run_file), exist_ok=True)
  checkpoints.atomic_write(run_file, json.dumps(
      current, indent=2, default=str).encode())
  return Plan(False, 0.0, messages)

