"""The `evaluator` node of two-player programs (AlphaZero): every period it
pulls the newest weights, has the agent's `evaluate_weights` play its
matches against the reference opponents, logs the figures (win, draw and
loss rates per opponent; `episode_return`, the score the target is set on),
keeps the weights it evaluated as <logdir>/<WEIGHTS_FILE> (what
`python -m launch.play` plays with) and stops the program at the budget's
target return."""

import io
import os
from typing import Any, Callable, Dict, Optional, Sequence

import launchpad as lp
import numpy as np

from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import lifecycle
from programs.nodes import loggers
from programs.nodes import variable_server

WEIGHTS_FILE = 'evaluated_weights.npz'

# evaluate_weights(weights, rng, should_stop) -> figures, with
# 'episode_return'; None if should_stop() turned true during the round.
EvaluateWeights = Callable[[Sequence[np.ndarray], np.random.Generator,
                            Callable[[], bool]], Optional[Dict[str, float]]]


def save_weights(path: str, weights: Sequence[np.ndarray]) -> None:
  """`weights` (a list of arrays) as an .npz file, written atomically."""
  buffer = io.BytesIO()
  np.savez(buffer, *weights)
  checkpoints.atomic_write(path, buffer.getvalue())


def load_weights(path: str) -> list:
  with np.load(path) as data:
    return [data[f'arr_{i}'] for i in range(len(data.files))]


class MatchEvaluator:
  """Plays evaluation matches with the newest weights, per period."""

  @lifecycle.guarded
  def __init__(self, evaluate_weights: EvaluateWeights,
               variable_names: Sequence[str], seed: int,
               variable_source: Any, counter: Any, logdir: Optional[str],
               start_time: float, period_seconds: float,
               budget: Optional[budget_lib.Budget] = None):
    self._evaluate_weights = evaluate_weights
    self._names = list(variable_names)
    self._rng = np.random.default_rng(seed)
    self._source = variable_server.variable_source(variable_source)
    self._logdir = logdir
    self._start_time = start_time
    self._period = period_seconds
    self._budget = budget
    self._logger = loggers.NodeLogger(
        'evaluator', logdir, start_time, period_seconds=0.0,
        counts_fn=lifecycle.StoppableClient(counter).get_counts)

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    target = budget_lib.TargetWatch(self._budget, self._start_time, lp.stop)
    while not stop.wait(self._period):
      (weights,) = self._source.get_variables(self._names)
      figures = self._evaluate_weights(weights, self._rng, stop.is_set)
      if figures is None:  # Stopped mid-round.
        break
      if self._logdir:
        save_weights(os.path.join(self._logdir, WEIGHTS_FILE), weights)
      self._logger.write(figures, force=True)
      if target.add(figures['episode_return']):
        break
    self._logger.close()


def build_match_evaluator(evaluate_weights: EvaluateWeights, *,
                          variable_names: Sequence[str], seed: int,
                          variable_source: Any, counter: Any,
                          logdir: Optional[str], start_time: float,
                          period_seconds: float,
                          budget: budget_lib.Budget) -> lp.PyClassNode:
  """An evaluator node playing `evaluate_weights`'s matches every
  `period_seconds` with the weights `variable_names` of
  `variable_source`."""
  return lp.PyClassNode(
      MatchEvaluator, evaluate_weights=evaluate_weights,
      variable_names=variable_names, seed=seed,
      variable_source=variable_source, counter=counter, logdir=logdir,
      start_time=start_time, period_seconds=period_seconds, budget=budget)
