"""What every program benchmark does: launch a real program (local_mp,
isolated) with a budget, sample the memory of all its processes every
second, and read its logs back.
"""

import argparse
import dataclasses
import datetime
import os
import re
import subprocess
import sys
import tempfile
import threading
from typing import Dict, List, Sequence

import psutil

from launch import plot

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def session_processes(session_id):
  for process in psutil.process_iter():
    try:
      if os.getsid(process.pid) == session_id:
        yield process
    except (OSError, psutil.Error):
      continue


def sample_memory(session_id, stop, peak):
  """Peak RSS and PSS sums of the session's processes into `peak`, sampled
  every second until `stop` is set."""
  while not stop.is_set():
    rss = pss = 0
    for process in session_processes(session_id):
      try:
        info = process.memory_full_info()
        rss += info.rss
        pss += info.pss
      except psutil.Error:
        continue
    peak['rss'] = max(peak['rss'], rss)
    peak['pss'] = max(peak['pss'], pss)
    stop.wait(1.0)


def read_csv(path: str) -> List[Dict[str, str]]:
  """A run's CSV rows (`launch.plot.read_rows`: a cut last row is
  dropped); [] if there is no file."""
  return plot.read_rows(path)


@dataclasses.dataclass
class Run:
  """One finished launch."""
  returncode: int
  output: str
  logdir: str
  peak_rss_gib: float
  peak_pss_gib: float

  def csv(self, label: str) -> List[Dict[str, str]]:
    return read_csv(os.path.join(self.logdir, f'{label}.csv'))

  @property
  def first_step_s(self) -> float:
    found = [float(x) for x in re.findall(
        r'first environment step at ([\d.]+) s', self.output)]
    return min(found) if found else float('nan')

  def first_return_at(self, threshold: float):
    """Seconds from launch to the first evaluator round >= threshold."""
    for row in self.csv('evaluator'):
      if float(row['episode_return']) >= threshold:
        return float(row['walltime_s'])
    return None


def launch(flags: Sequence[str], budget_seconds: float,
           logdir: str = None) -> Run:
  """Runs `python -m launch <flags> --max_seconds=budget --logdir=...`
  (a new logdir unless given: an earlier run's resumes)."""
  logdir = logdir or tempfile.mkdtemp(prefix='bench_')
  args = [sys.executable, '-m', 'launch', f'--max_seconds={budget_seconds}',
          f'--logdir={logdir}'] + list(flags)
  peak = {'rss': 0, 'pss': 0}
  stop = threading.Event()
  with tempfile.TemporaryFile('w+') as log:
    process = subprocess.Popen(args, cwd=REPO, stdout=log,
                               stderr=subprocess.STDOUT,
                               start_new_session=True)
    sampler = threading.Thread(target=sample_memory,
                               args=(process.pid, stop, peak), daemon=True)
    sampler.start()
    try:
      returncode = process.wait(timeout=budget_seconds + 120)
    except subprocess.TimeoutExpired:  # A hung run: killed, and reported.
      returncode = -9
    finally:
      stop.set()
      for leftover in session_processes(process.pid):
        leftover.kill()
    log.seek(0)
    output = log.read()
  return Run(returncode, output, logdir, peak['rss'] / 2**30,
             peak['pss'] / 2**30)


def parse_args(quick_help: str) -> argparse.Namespace:
  """The flags every benchmark takes: --quick and --record."""
  parser = argparse.ArgumentParser()
  parser.add_argument('--quick', action='store_true', help=quick_help)
  parser.add_argument('--record', action='store_true',
                      help='Append the figures to benchmarks/results.md.')
  return parser.parse_args()


def record(title: str, text: str) -> None:
  """Appends `text` under a dated heading to benchmarks/results.md."""
  with open(os.path.join(REPO, 'benchmarks', 'results.md'), 'a') as f:
    f.write(f'\n### {title}, {datetime.date.today()}, {os.cpu_count()} '
            f'cores\n\n{text}\n')
