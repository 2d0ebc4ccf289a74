"""What a launch prints: a progress line per period and what a person needs,
not the libraries' chatter.

Without --verbose the launcher's stdout goes through `Console`:
  - library INFO lines are dropped: absl/glog `I...` lines (Launchpad's
    "Binding: ...", "Reverb client connecting to ..."), TensorFlow's and
    Courier's C++ INFO lines, Reverb's own log lines, Launchpad's "Waiting
    for workers to stop" countdown and TensorFlow's CUDA probing on machines
    without a GPU;
  - the nodes' periodic metric rows (`[actor] walltime_s=... actor_steps=...`,
    also in the logdir's CSV files) are read, not printed: every
    PROGRESS_SECONDS one `[launch]` line says the elapsed time, env steps/s,
    learner steps, the latest evaluator return and what is left of the
    budget;
  - everything else passes: node messages ("first environment step",
    "budget reached", checkpoints), warnings, errors and tracebacks.
Only Python-level output is seen here: in a threaded launch (local_mt,
test_mt) the C++ libraries write to the process's stderr directly. In a
local_mp or multi_host launch every node line comes through the relays.
"""

import re
import sys
import threading
import time
from typing import Callable, Dict, List, Optional, TextIO

from programs.nodes import budget as budget_lib

PROGRESS_SECONDS = 10.0

_ANSI = re.compile(r'\x1b\[[0-9;]*m')
# A relayed node line's prefix: '[actor/0] '.
_NODE_PREFIX = re.compile(r'^\[([\w+.-]+/\d+)\] ')
_CHATTER = tuple(re.compile(pattern) for pattern in (
    # absl (Python) and glog (C++) INFO: 'I1201 13:15:16.904359 1398... '.
    r'^I\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ ',
    # TensorFlow's and Courier's C++ INFO: '2026-12-01 13:15:16.9: I ...'.
    r'^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: I ',
    # TensorFlow looking for CUDA on a machine without a GPU.
    r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: W .*(dso_loader|cuda_driver)",
    # Reverb's log lines: '[reverb/cc/platform/default/server.cc:71] ...'.
    r'^\[reverb/cc/',
    # Launchpad's countdown after the stop.
    r'^Waiting for workers to stop for \d+s\.',
))
# A node logger's row: '[learner] walltime_s=26.5 learner_steps=1 ...'.
_ROW = re.compile(r'^\[(\w+)\] walltime_s=')


def strip_colours(text: str) -> str:
  return _ANSI.sub('', text)


def is_chatter(line: str) -> bool:
  """True for a library INFO line (after any '[node/i] ' prefix)."""
  text = _NODE_PREFIX.sub('', strip_colours(line).lstrip('\r'), count=1)
  return any(pattern.search(text) for pattern in _CHATTER)


def parse_row(line: str) -> Optional[Dict[str, float]]:
  """A node logger's metric row as {'label': ..., key: value}, or None."""
  text = _NODE_PREFIX.sub('', strip_colours(line).strip(), count=1)
  match = _ROW.match(text)
  if match is None:
    return None
  row: Dict[str, object] = {'label': match.group(1)}
  for item in text[match.end(1) + 2:].split():
    key, _, value = item.partition('=')
    try:
      row[key] = float(value)
    except ValueError:
      pass
  return row


class Progress:
  """The latest counts from the nodes' rows and the progress line."""

  def __init__(self, budget: Optional[budget_lib.Budget] = None):
    self._budget = budget
    self._lock = threading.Lock()
    self._actor_steps = None  # (walltime_s, actor_steps) of the latest row.
    self._learner_steps = None
    self._evaluator_return = None
    self._last_line = None  # (walltime_s, actor_steps) at the last line.

  def add(self, row: Dict[str, float], now: Optional[float] = None) -> None:
    """Takes a row's counts; `now` (default: time.time()) times it, not
    its printed walltime_s, which has 4 significant digits."""
    with self._lock:
      time_s = time.time() if now is None else now
      if 'actor_steps' in row and (self._actor_steps is None or
                                   row['actor_steps'] >= self._actor_steps[1]):
        self._actor_steps = (time_s, row['actor_steps'])
      if 'learner_steps' in row:
        self._learner_steps = max(self._learner_steps or 0,
                                  row['learner_steps'])
      if row['label'] == 'evaluator' and 'episode_return' in row:
        self._evaluator_return = row['episode_return']

  def line(self, elapsed_seconds: float) -> str:
    """'40 s: 6,781 env steps/s, 216,320 env steps, 338 learner steps,
    evaluator return 1, budget: 50 s left'; the rate is over the rows since
    the last line."""
    with self._lock:
      parts = []
      if self._actor_steps is not None:
        time_s, steps = self._actor_steps
        if self._last_line is not None and time_s > self._last_line[0]:
          rate = (steps - self._last_line[1]) / (time_s - self._last_line[0])
          parts.append(f'{rate:,.0f} env steps/s')
        parts.append(f'{steps:,.0f} env steps')
        self._last_line = self._actor_steps
      if self._learner_steps is not None:
        parts.append(f'{self._learner_steps:,.0f} learner steps')
      if self._evaluator_return is not None:
        parts.append(f'evaluator return {self._evaluator_return:.4g}')
      left = self._left(elapsed_seconds)
      if left:
        parts.append(f'budget: {left} left')
      return f'{elapsed_seconds:.0f} s: ' + (', '.join(parts) or 'starting')

  def _left(self, elapsed_seconds: float) -> str:
    """What is left of each limit of the budget."""
    if self._budget is None:
      return ''
    left = []
    if self._budget.max_seconds is not None:
      left.append(f'{max(0.0, self._budget.max_seconds - elapsed_seconds):.0f}'
                  ' s')
    if self._budget.max_actor_steps is not None:
      done = self._actor_steps[1] if self._actor_steps else 0
      left.append(f'{max(0, self._budget.max_actor_steps - done):,.0f} '
                  'env steps')
    if self._budget.max_learner_steps is not None:
      done = self._learner_steps or 0
      left.append(f'{max(0, self._budget.max_learner_steps - done):,.0f} '
                  'learner steps')
    return ' or '.join(left)


class Console:
  """A text stream (stands in for sys.stdout / sys.stderr) that drops
  library chatter and reads metric rows into a Progress, line by line."""

  def __init__(self, out: TextIO, progress: Optional[Progress] = None):
    self._out = out
    self._progress = progress
    self._pending = ''
    self._lock = threading.Lock()

  def write(self, text: str) -> int:
    with self._lock:
      self._pending += text
      # '\r' ends Launchpad's countdown line too.
      lines = re.split(r'(?<=[\n\r])', self._pending)
      self._pending = lines.pop()
      for line in lines:
        self._emit(line)
    return len(text)

  def _emit(self, line: str) -> None:
    if is_chatter(line):
      return
    if self._progress is not None:
      row = parse_row(line)
      if row is not None:
        self._progress.add(row)
        return
    self._out.write(line)
    self._out.flush()

  def flush(self) -> None:
    with self._lock:
      if self._pending:
        self._emit(self._pending)
        self._pending = ''
    self._out.flush()

  def isatty(self) -> bool:
    return self._out.isatty()

  def fileno(self) -> int:
    return self._out.fileno()

  def __getattr__(self, name: str):
    return getattr(self._out, name)


class Reporter:
  """Prints `progress.line()` every `period_seconds` until stopped."""

  def __init__(self, progress: Progress, start_time: float,
               print_fn: Callable[[str], None],
               period_seconds: float = PROGRESS_SECONDS):
    self._progress = progress
    self._start_time = start_time
    self._print = print_fn
    self._period = period_seconds
    self._stop = threading.Event()
    self._thread = threading.Thread(target=self._run, name='progress',
                                    daemon=True)

  def start(self) -> 'Reporter':
    self._thread.start()
    return self

  def stop(self) -> None:
    self._stop.set()
    self._thread.join(timeout=2)

  def _run(self) -> None:
    while not self._stop.wait(self._period):
      self._print(self._progress.line(time.time() - self._start_time))


def quiet(budget: Optional[budget_lib.Budget], start_time: float,
          period_seconds: float = PROGRESS_SECONDS) -> Callable[[], None]:
  """Routes sys.stdout and sys.stderr through Consoles (metric rows feed
  the progress line) and starts the progress line; returns what undoes
  it."""
  progress = Progress(budget)
  saved: List[TextIO] = [sys.stdout, sys.stderr]
  sys.stdout = Console(saved[0], progress)
  sys.stderr = Console(saved[1])
  def report(line: str) -> None:  # One write: a relayed line cannot split it.
    sys.stdout.write(f'[launch] {line}\n')
    sys.stdout.flush()

  reporter = Reporter(progress, start_time, report, period_seconds).start()

  def restore() -> None:
    reporter.stop()
    for stream in (sys.stdout, sys.stderr):
      stream.flush()
    sys.stdout, sys.stderr = saved

  return restore
