"""Learning curves of runs, as PNG files, from the CSV files a logdir holds.

  python -m launch.plot LOGDIR                # LOGDIR/plots/<curve>.png
  python -m launch.plot LOGDIR1 LOGDIR2 ...   # ./plots/<curve>.png, overlaid
  python -m launch.plot ... --out=DIR

Curves (CURVES): the evaluator's return against seconds since the launch and
against actor steps, and the learner's loss against learner steps. A program
that logs other files or columns (lspi, value_iteration, es) gets the curves
whose columns it has; an empty cell is skipped, never an error.

Overlaid runs whose config.json files are equal but for the seed and the logdir
are seeds of one configuration: their mean is drawn on a common x grid with a
band from the lowest to the highest seed. Each PNG stores the data it shows as
JSON in a text chunk (DATA_KEY; `read_png_data` reads it back), so a test or a
person gets the numbers rather than pixels.

Matplotlib is imported when a figure is drawn, so importing this module is
cheap (the launcher's modules can import it).
"""

import argparse
import csv
import json
import math
import os
import sys
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

# Curve name -> (CSV file label, x column, y column).
CURVES = {
    'return_vs_time': ('evaluator', 'walltime_s', 'episode_return'),
    'return_vs_steps': ('evaluator', 'actor_steps', 'episode_return'),
    'loss': ('learner', 'learner_steps', 'loss'),
}
# Curve name -> title of an overlay (a run's plot names its run).
TITLES = {
    'return_vs_time': 'evaluation return vs time',
    'return_vs_steps': 'evaluation return vs actor steps',
    'loss': 'learner loss vs learner steps',
}
AXIS_LABELS = {
    'walltime_s': 'seconds since the launch',
    'actor_steps': 'actor steps',
    'learner_steps': 'learner steps',
    'episode_return': 'evaluation return (mean of a round)',
    'loss': 'learner loss',
}
# The PNG text chunk that holds the plotted data as JSON.
DATA_KEY = 'distrl_curves'
PLOTS_DIR = 'plots'
# Fields of config.json that tell seeds of one configuration apart.
SEED_FIELDS = ('seed', 'logdir')

Curve = Tuple[List[float], List[float]]


def read_rows(path: str) -> List[Dict[str, str]]:
  """A CSV file's rows as dicts; [] if there is no file.

  A last line without its newline (a node killed mid-row, or one writing as
  this reads) is dropped: its last number may be cut short.
  """
  if not os.path.exists(path):
    return []
  with open(path, newline='') as f:
    text = f.read()
  if text and not text.endswith('\n'):
    text = text[:text.rfind('\n') + 1]
  return list(csv.DictReader(text.splitlines()))


def curves(logdir: str) -> Dict[str, Curve]:
  """The CURVES that `logdir`'s CSV files have data for.

  Args:
    logdir: a run's logdir.

  Returns:
    Curve name -> (xs, ys), floats in the files' row order, from the rows
    where both cells hold a finite number; a curve without one such row is
    left out.
  """
  rows = {}
  out = {}
  for name, (label, x_key, y_key) in CURVES.items():
    if label not in rows:
      rows[label] = read_rows(os.path.join(logdir, f'{label}.csv'))
    xs, ys = [], []
    for row in rows[label]:
      x, y = _number(row.get(x_key)), _number(row.get(y_key))
      if x is not None and y is not None:
        xs.append(x)
        ys.append(y)
    if xs:
      out[name] = (xs, ys)
  return out


def _number(cell: Optional[str]) -> Optional[float]:
  try:
    value = float(cell)
  except (TypeError, ValueError):  # None (a short row) or '' (no value yet).
    return None
  return value if math.isfinite(value) else None


def read_config(logdir: str) -> Dict[str, Any]:
  """`logdir`'s config.json as the launcher wrote it; {} if absent or
  unreadable (a run from before config.json, or one still starting)."""
  try:
    with open(os.path.join(logdir, 'config.json')) as f:
      config = json.load(f)
  except (OSError, ValueError):
    return {}
  return config if isinstance(config, dict) else {}


def write_run_plots(logdir: str, out_dir: Optional[str] = None) -> List[str]:
  """Draws each of `logdir`'s curves in a PNG file of its own.

  Args:
    logdir: a run's logdir.
    out_dir: where the files go; default `<logdir>/plots`.

  Returns:
    The paths written, `<out_dir>/<curve name>.png`, in CURVES' order; []
    when the run has no curve yet. Each file's data (read_png_data):
    {'curve', 'title', 'xlabel', 'ylabel', 'x', 'y', 'logdir'}.
  """
  found = curves(logdir)
  if not found:
    return []
  out_dir = out_dir or os.path.join(logdir, PLOTS_DIR)
  os.makedirs(out_dir, exist_ok=True)
  title = _run_title(logdir, read_config(logdir))
  paths = []
  for name, (xs, ys) in found.items():
    _, x_key, y_key = CURVES[name]
    data = {'curve': name, 'title': title, 'xlabel': AXIS_LABELS[x_key],
            'ylabel': AXIS_LABELS[y_key], 'x': xs, 'y': ys,
            'logdir': os.path.abspath(logdir)}
    figure, axes = _figure(data)
    axes.plot(xs, ys, marker='.' if len(xs) < 50 else None)
    paths.append(_save(figure, os.path.join(out_dir, f'{name}.png'), data))
  return paths


def _run_title(logdir: str, config: Mapping[str, Any]) -> str:
  """'impala on catch, seed 0' from config.json, with what it has."""
  words = []
  if config.get('program') is not None:
    words.append(str(config['program']))
  if config.get('environment') is not None:
    words.append(('on ' if words else '') + str(config['environment']))
  title = ' '.join(words)
  if config.get('seed') is not None:
    title += (', ' if title else '') + f'seed {config["seed"]}'
  return title or _name(logdir)


def overlay(logdirs: Sequence[str], out_dir: str) -> List[str]:
  """Draws the runs of `logdirs` together, a PNG file per curve name.

  Runs whose config.json are equal except for SEED_FIELDS (and the seed
  copied into hparams) are seeds of one configuration: drawn as their mean
  with a band from the lowest to the highest seed, on a common x grid (every
  seed's x values; at each, the seeds whose x range covers it, linearly
  interpolated there). Seeds stop at different times (a target stop, a slow
  start), so the tails are averages of fewer seeds: 'count' says how many.
  A configuration of one run is its plain line. A run without config.json
  is a configuration of its own.

  Args:
    logdirs: the runs' logdirs.
    out_dir: where the files go.

  Returns:
    The paths written, `<out_dir>/<curve name>.png`, for the curves some run
    has. Each file's data (read_png_data): {'curve', 'title', 'xlabel',
    'ylabel', 'runs': {label: {'x', 'mean', 'low', 'high', 'count',
    'seeds', 'logdirs'}}}, a label naming what sets its configuration
    apart, e.g. 'impala, learning_rate=0.001 (3 seeds)'.
  """
  groups, configs = _configurations(logdirs)
  names = _labels(groups, configs)
  run_curves = {d: curves(d) for d in logdirs}
  paths = []
  for name in CURVES:
    _, x_key, y_key = CURVES[name]
    runs = {}
    for group, group_name in zip(groups, names):
      members = [d for d in group if name in run_curves[d]]
      series = _mean_band([run_curves[d][name] for d in members])
      if series is None:
        continue
      series['seeds'] = len(members)
      series['logdirs'] = [os.path.abspath(d) for d in members]
      seeds = f'{len(members)} seed{"" if len(members) == 1 else "s"}'
      runs[f'{group_name} ({seeds})'] = series
    if not runs:
      continue
    data = {'curve': name, 'title': TITLES[name],
            'xlabel': AXIS_LABELS[x_key], 'ylabel': AXIS_LABELS[y_key],
            'runs': runs}
    figure, axes = _figure(data)
    for label, series in runs.items():
      (line,) = axes.plot(series['x'], series['mean'], label=label)
      if series['seeds'] > 1:
        axes.fill_between(series['x'], series['low'], series['high'],
                          color=line.get_color(), alpha=0.25, linewidth=0)
    axes.legend(fontsize='small')
    os.makedirs(out_dir, exist_ok=True)
    paths.append(_save(figure, os.path.join(out_dir, f'{name}.png'), data))
  return paths


def _configuration(config: Mapping[str, Any]) -> Dict[str, Any]:
  """config.json without what differs between seeds of one configuration."""
  out = {k: v for k, v in config.items() if k not in SEED_FIELDS}
  if isinstance(out.get('hparams'), dict):
    # The launcher copies the seed into hparams (launch/config.py).
    out['hparams'] = {k: v for k, v in out['hparams'].items()
                      if k not in SEED_FIELDS}
  return out


def _configurations(logdirs: Sequence[str]
                    ) -> Tuple[List[List[str]], List[Dict[str, Any]]]:
  """`logdirs` grouped by configuration, in the order first seen, and each
  group's configuration ({} for a run without config.json)."""
  groups: Dict[str, List[str]] = {}
  configs: Dict[str, Dict[str, Any]] = {}
  for logdir in logdirs:
    config = _configuration(read_config(logdir))
    key = (json.dumps(config, sort_keys=True, default=str)
           if config else f'no config.json: {os.path.abspath(logdir)}')
    groups.setdefault(key, []).append(logdir)
    configs[key] = config
  return list(groups.values()), list(configs.values())


def _labels(groups: Sequence[Sequence[str]],
            configs: Sequence[Mapping[str, Any]]) -> List[str]:
  """A legend label per group: the config.json fields whose values differ
  between the groups (hparams compared within one program, since programs
  have different ones); a group's logdir name if nothing differs."""
  with_config = [c for c in configs if c]
  labels = []
  for group, config in zip(groups, configs):
    words = []
    if config:
      for key in sorted(set().union(*with_config) - {'hparams'}):
        if len({_text(c.get(key)) for c in with_config}) > 1:
          words.append(_word(key, config.get(key)))
      hparams = _hparams(config)
      peers = [_hparams(c) for c in with_config
               if c.get('program') == config.get('program')]
      for key in sorted(set().union(*peers)):
        if len({_text(p.get(key)) for p in peers}) > 1:
          words.append(_word(key, hparams.get(key)))
    labels.append(', '.join(words) or _name(group[0]))
  for i, label in enumerate(labels):
    if labels.count(label) > 1:  # E.g. runs without config.json.
      labels[i] = f'{label} [{_name(groups[i][0])}]'
  return labels


def _hparams(config: Mapping[str, Any]) -> Mapping[str, Any]:
  hparams = config.get('hparams')
  return hparams if isinstance(hparams, dict) else {}


def _word(key: str, value: Any) -> str:
  # A program or environment reads well by itself: 'impala, catch'.
  if key in ('program', 'environment') and value is not None:
    return str(value)
  return f'{key}={_text(value)}'


def _text(value: Any) -> str:
  if isinstance(value, (dict, list)):
    return json.dumps(value, sort_keys=True, default=str)
  return str(value)


def _name(logdir: str) -> str:
  return os.path.basename(os.path.normpath(os.path.abspath(logdir)))


def _mean_band(runs: Sequence[Curve]) -> Optional[Dict[str, List[float]]]:
  """Mean, lowest and highest of `runs` on a common grid: every run's x
  values; at each, the runs whose x range covers it, linearly interpolated
  there ('count' of them). A single run as it is; None if there is none.

  Not only the overlap of the ranges: runs of a sweep end at different
  times, and the overlap would hide the slow seeds (or be empty).
  """
  import numpy as np  # pylint: disable=g-import-not-at-top
  if not runs:
    return None
  if len(runs) == 1:
    xs, ys = runs[0]
    return {'x': list(xs), 'mean': list(ys), 'low': list(ys),
            'high': list(ys), 'count': [1] * len(xs)}
  grid = np.array(sorted({x for xs, _ in runs for x in xs}))
  values = []
  for xs, ys in runs:
    order = np.argsort(xs, kind='stable')  # np.interp needs increasing xs.
    inside = (grid >= min(xs)) & (grid <= max(xs))
    values.append(np.where(inside, np.interp(grid, np.asarray(xs)[order],
                                             np.asarray(ys)[order]), np.nan))
  values = np.stack(values)  # [runs, grid], NaN outside a run's range.
  return {'x': grid.tolist(), 'mean': np.nanmean(values, axis=0).tolist(),
          'low': np.nanmin(values, axis=0).tolist(),
          'high': np.nanmax(values, axis=0).tolist(),
          'count': (~np.isnan(values)).sum(axis=0).tolist()}


def _figure(data: Mapping[str, Any]):
  """A figure on the Agg canvas (no pyplot: no global state, no display)."""
  # pylint: disable=g-import-not-at-top
  from matplotlib import figure as figure_lib
  from matplotlib.backends import backend_agg
  # pylint: enable=g-import-not-at-top
  figure = figure_lib.Figure(figsize=(7, 4.5), layout='constrained')
  backend_agg.FigureCanvasAgg(figure)
  axes = figure.add_subplot()
  axes.set_title(data['title'])
  axes.set_xlabel(data['xlabel'])
  axes.set_ylabel(data['ylabel'])
  axes.grid(alpha=0.3)
  return figure, axes


def _save(figure, path: str, data: Mapping[str, Any]) -> str:
  # Python's float repr round-trips: the JSON holds the exact values.
  figure.savefig(path, dpi=100, metadata={DATA_KEY: json.dumps(data)})
  return path


def read_png_data(path: str) -> Dict[str, Any]:
  """The data a PNG file of this module shows, from its DATA_KEY text chunk.

  Raises:
    ValueError: the file has no such chunk (not written by this module).
  """
  from PIL import Image  # pylint: disable=g-import-not-at-top
  with Image.open(path) as image:
    text = getattr(image, 'text', {}).get(DATA_KEY)
  if text is None:
    raise ValueError(f'{path} has no {DATA_KEY!r} text chunk: not a plot '
                     'written by launch/plot.py.')
  return json.loads(text)


def main(argv: Sequence[str]) -> int:
  """The CLI; returns the exit code (2: a logdir without CSV files)."""
  parser = argparse.ArgumentParser(
      prog='python -m launch.plot',
      description='Learning curves of runs as PNG files.')
  parser.add_argument('logdirs', nargs='+', metavar='LOGDIR',
                      help="a run's --logdir; several are overlaid")
  parser.add_argument('--out', default=None, metavar='DIR',
                      help='where the PNG files go (default: LOGDIR/plots '
                      'for one logdir, ./plots for several)')
  args = parser.parse_args(argv)
  for logdir in args.logdirs:
    if not os.path.isdir(logdir):
      print(f'plot: error: {logdir} is not a directory.', file=sys.stderr)
      return 2
    if not any(n.endswith('.csv') for n in os.listdir(logdir)):
      print(f'plot: error: {logdir} holds no CSV files, so there is nothing '
            'to plot (a launch with --logdir writes evaluator.csv and '
            'learner.csv there).', file=sys.stderr)
      return 2
  if len(args.logdirs) == 1:
    paths = write_run_plots(args.logdirs[0], args.out)
  else:
    paths = overlay(args.logdirs, args.out or PLOTS_DIR)
  if not paths:
    columns = ', '.join(f"{label}.csv's {x}/{y}"
                        for label, x, y in CURVES.values())
    print(f'plot: nothing to plot: no rows with {columns} in '
          f'{", ".join(args.logdirs)}.', file=sys.stderr)
    return 1
  for path in paths:
    print(path)
  return 0


if __name__ == '__main__':
  sys.exit(main(sys.argv[1:]))
