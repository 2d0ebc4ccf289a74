"""What the launcher prints when a run ends: the evaluator's best and last
rounds, when the target was first met, and where the run's files are.

Read back from the logdir the nodes wrote (evaluator.csv's `episode_return`
is the mean return of one evaluation round, `walltime_s` seconds from the
launch), so it says what the files say; no logdir, no summary.
"""

import os
from typing import List, Optional, Sequence, Tuple

from launch import plot
from programs.nodes import budget as budget_lib


def rounds(logdir: str) -> List[Tuple[float, float]]:
  """(walltime_s, mean return) per evaluator round in `logdir`."""
  rows = plot.read_rows(os.path.join(logdir, 'evaluator.csv'))
  return [(float(r['walltime_s']), float(r['episode_return']))
          for r in rows if r.get('episode_return') not in (None, '')]


def target_times(rounds_: Sequence[Tuple[float, float]], target_return: float
                 ) -> Tuple[Optional[float], Optional[float]]:
  """When the first round, and the first mean of TARGET_ROUNDS rounds (the
  stop rule), reached `target_return`; None for never."""
  first = next((t for t, r in rounds_ if r >= target_return), None)
  n = budget_lib.TARGET_ROUNDS
  mean = next((rounds_[i][0] for i in range(n - 1, len(rounds_))
               if sum(r for _, r in rounds_[i - n + 1:i + 1]) / n >=
               target_return), None)
  return first, mean


def lines(logdir: Optional[str], target_return: Optional[float] = None
          ) -> List[str]:
  """The summary, a line per item; [] without a logdir."""
  if not logdir or not os.path.isdir(logdir):
    return []
  out = []
  evaluated = rounds(logdir)
  if evaluated:
    best_time, best = max(evaluated, key=lambda item: item[1])
    last_time, last = evaluated[-1]
    out.append(f'evaluator: {len(evaluated)} rounds; best {best:.4g} at '
               f'{best_time:.1f} s, last {last:.4g} at {last_time:.1f} s')
    if target_return is not None:
      out.append('target ' + _target(evaluated, target_return))
  files = sorted(name for name in os.listdir(logdir) if name.endswith('.csv'))
  if os.path.isdir(os.path.join(logdir, 'tensorboard')):
    files.append('tensorboard/')
  out.append(f'logs: {logdir} ({", ".join(files) or "no CSV files"})')
  checkpoints = os.path.join(logdir, 'checkpoints')
  if os.path.isdir(checkpoints) and os.listdir(checkpoints):
    out.append(f'checkpoints: {checkpoints} (a relaunch with this logdir '
               'resumes from them)')
  return out


def _target(evaluated, target_return: float) -> str:
  first, mean = target_times(evaluated, target_return)
  if first is None:
    return f'{target_return:g}: not reached'
  n = budget_lib.TARGET_ROUNDS
  return (f'{target_return:g}: first round at {first:.1f} s, ' +
          (f'mean of {n} rounds at {mean:.1f} s' if mean is not None
           else f'never as a mean of {n} rounds'))
