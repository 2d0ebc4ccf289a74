"""What the launcher prints when a run ends: the evaluator's best and last
rounds, when the target was first met, and where the run's files are.

Read back from the logdir the nodes wrote (evaluator.csv's `episode_return`
is the mean return of one evaluation round, `walltime_s` seconds from the
launch), so it says what the files say; no logdir, no summary.
"""

import csv
import os
from typing import List, Optional

from programs.nodes import budget as budget_lib


def lines(logdir: Optional[str], target_return: Optional[float] = None
          ) -> List[str]:
  """The summary, a line per item; [] without a logdir."""
  if not logdir or not os.path.isdir(logdir):
    return []
  out = []
  rows = _read(os.path.join(logdir, 'evaluator.csv'))
  rounds = [(float(r['walltime_s']), float(r['episode_return']))
            for r in rows if r.get('episode_return') not in (None, '')]
  if rounds:
    best_time, best = max(rounds, key=lambda item: item[1])
    last_time, last = rounds[-1]
    out.append(f'evaluator: {len(rounds)} rounds; best {best:.4g} at '
               f'{best_time:.1f} s, last {last:.4g} at {last_time:.1f} s')
    if target_return is not None:
      out.append('target ' + _target(rounds, target_return))
  files = sorted(name for name in os.listdir(logdir) if name.endswith('.csv'))
  if os.path.isdir(os.path.join(logdir, 'tensorboard')):
    files.append('tensorboard/')
  out.append(f'logs: {logdir} ({", ".join(files) or "no CSV files"})')
  checkpoints = os.path.join(logdir, 'checkpoints')
  if os.path.isdir(checkpoints) and os.listdir(checkpoints):
    out.append(f'checkpoints: {checkpoints} (a relaunch with this logdir '
               'resumes from them)')
  return out


def _target(rounds, target_return: float) -> str:
  """When the first round, and the first mean of TARGET_ROUNDS rounds (the
  stop rule), reached `target_return`."""
  first = next((t for t, r in rounds if r >= target_return), None)
  n = budget_lib.TARGET_ROUNDS
  mean = next((rounds[i][0] for i in range(n - 1, len(rounds))
               if sum(r for _, r in rounds[i - n + 1:i + 1]) / n >=
               target_return), None)
  if first is None:
    return f'{target_return:g}: not reached'
  return (f'{target_return:g}: first round at {first:.1f} s, ' +
          (f'mean of {n} rounds at {mean:.1f} s' if mean is not None
           else f'never as a mean of {n} rounds'))


def _read(path: str):
  if not os.path.exists(path):
    return []
  with open(path, newline='') as f:
    return list(csv.DictReader(f))
