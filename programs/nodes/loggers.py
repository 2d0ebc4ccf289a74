"""One logger per node group: a terminal line, a CSV row and TensorBoard
scalars, at most once per period.

Files (under `logdir`, when given):
  <label>.csv                       one row per write, `walltime_s` first;
                                    a resumed run appends
  tensorboard/<label>/events.*      the same numbers as scalars
`walltime_s` counts from the launch, so every node's rows share one clock and
"time to threshold" reads straight off evaluator.csv.
"""

import csv
import os
import time
from typing import Any, Callable, Dict, Mapping, Optional

from programs.nodes import replay_rates

Counts = Mapping[str, float]


class NodeLogger:
  """Throttled logger; `write` drops values that come within the period."""

  def __init__(self, label: str, logdir: Optional[str], start_time: float,
               period_seconds: float, step_key: str = 'actor_steps',
               counts_fn: Optional[Callable[[], Counts]] = None,
               print_fn: Callable[[str], None] = print,
               tensorboard: bool = True):
    """Creates the logger.

    Args:
      label: node group name; names the CSV file and the TensorBoard run.
      logdir: directory for files; None logs to the terminal only.
      start_time: `time.time()` at launch.
      period_seconds: minimum seconds between two written rows.
      step_key: the value used as TensorBoard's step.
      counts_fn: returns global counts (e.g. the counter's) merged into each
        row, so every file has `actor_steps`.
      print_fn: where terminal lines go.
      tensorboard: also write TensorBoard scalars (False: CSV only, and
        the node never imports TensorFlow).
    """
    self._label = label
    self._start_time = start_time
    self._period = period_seconds
    self._step_key = step_key
    self._counts_fn = counts_fn
    self._print = print_fn
    self._last_write = -float('inf')
    self._csv_file = None
    self._csv_writer = None
    self._summary_writer = None
    self._logdir = logdir
    self._tensorboard = tensorboard
    if logdir:
      os.makedirs(logdir, exist_ok=True)

  def write(self, values: Mapping[str, float], force: bool = False) -> bool:
    """Writes `values` if the period has passed (or `force`); True if written."""
    now = time.time()
    if not force and now - self._last_write < self._period:
      return False
    self._last_write = now
    row: Dict[str, float] = {'walltime_s': round(now - self._start_time, 3)}
    if self._counts_fn is not None:
      row.update(self._counts_fn())
    row.update(values)
    self._print(f'[{self._label}] ' + ' '.join(
        f'{k}={_format(v)}' for k, v in row.items()))
    if self._logdir:
      self._write_csv(row)
      if self._tensorboard:
        self._write_summaries(row)
    return True

  def _write_csv(self, row: Mapping[str, float]) -> None:
    path = os.path.join(self._logdir, f'{self._label}.csv')
    if self._csv_writer is None or set(row) - set(self._csv_writer.fieldnames):
      # First row, or a column that earlier rows lacked (e.g. a return once
      # the first episode ends): rewrite the file with the wider header,
      # keeping the rows already there (this node's, or those of the run this
      # one resumes: a resumed run appends to its logs).
      rows, old_fieldnames = [], []
      if self._csv_writer is not None:
        self._csv_file.close()
      complete = True
      if os.path.exists(path):
        with open(path, newline='') as f:
          text = f.read()
        # A process killed mid-row leaves half a line: dropped.
        complete = not text or text.endswith('\n')
        if not complete:
          text = text[:text.rfind('\n') + 1]
        reader = csv.DictReader(text.splitlines())
        rows = list(reader)
        old_fieldnames = list(reader.fieldnames or [])
      fieldnames = old_fieldnames + [k for k in row
                                     if k not in old_fieldnames]
      if fieldnames != old_fieldnames or not complete:
        # Written aside and renamed over: a kill mid-rewrite loses nothing.
        temporary = f'{path}.tmp-{os.getpid()}'
        with open(temporary, 'w', newline='') as f:
          writer = csv.DictWriter(f, fieldnames=fieldnames, restval='')
          writer.writeheader()
          writer.writerows(rows)
        os.replace(temporary, path)
      self._csv_file = open(path, 'a', newline='')
      self._csv_writer = csv.DictWriter(self._csv_file, fieldnames=fieldnames,
                                        restval='')
    self._csv_writer.writerow(row)
    self._csv_file.flush()

  def _write_summaries(self, row: Mapping[str, float]) -> None:
    import tensorflow as tf  # pylint: disable=g-import-not-at-top
    if self._summary_writer is None:
      self._summary_writer = tf.summary.create_file_writer(
          os.path.join(self._logdir, 'tensorboard', self._label))
    step = int(row.get(self._step_key, 0))
    with self._summary_writer.as_default():
      for key, value in row.items():
        tf.summary.scalar(f'{self._label}/{key}', value, step=step)
    self._summary_writer.flush()

  def close(self) -> None:
    if self._csv_file is not None:
      self._csv_file.close()
    if self._summary_writer is not None:
      self._summary_writer.close()


def _format(value: float) -> str:
  if isinstance(value, float):
    return f'{value:.4g}'
  return str(value)


def learner_logger(counter: Any, *, logdir: Optional[str], start_time: float,
                   period_seconds: float, replay: Any = None,
                   table: Optional[str] = None) -> NodeLogger:
  """A learner's logger: its rows carry the counter's counts and, with
  `replay` (a Reverb client) and `table`, that table's size and rates."""
  rates = (replay_rates.TableRates(replay, table) if replay is not None
           else dict)
  return NodeLogger('learner', logdir, start_time, period_seconds,
                    step_key='learner_steps',
                    counts_fn=lambda: {**counter.get_counts(), **rates()})
