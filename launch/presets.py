"""Tuned hyperparameters per program and task (RLlib's tuned examples, the
SB3 zoo): naming a task picks its preset; --hparam and a --config file's
hparams override it, and the launcher prints it.

A preset holds only what a measured run showed the program's defaults get
wrong on that task; each entry says what was measured
(benchmarks/results.md has the runs).
"""

from typing import Any, Dict, Mapping, Tuple

# (program, environment) -> hyperparameters.
PRESETS: Mapping[Tuple[str, str], Mapping[str, Any]] = {
    # With the default learning rate 2e-3 IMPALA reached 471 on CartPole at
    # 90 s and then collapsed (policy entropy to 0; 2026-11-24). With 5e-4
    # (seed 1, 2 actors, 300 s, 2026-12-01): 500 first at 98 s, then 65 of
    # the 72 rounds from 100 s on >= 475 (lowest 338), last 10 rounds 497.
    ('impala', 'cartpole'): {'learning_rate': 5e-4},
}


def preset(program: str, environment: str) -> Dict[str, Any]:
  """The preset for `program` on `environment`; {} if it has none."""
  return dict(PRESETS.get((program, environment), {}))


def describe(program: str, environment: str,
             overridden: Mapping[str, Any]) -> str:
  """'preset impala/cartpole: learning_rate=0.0005' naming the values
  that `overridden` (the hparams given) replace; '' without a preset."""
  values = preset(program, environment)
  if not values:
    return ''
  items = [f'{name}={value}' + (' (overridden)' if name in overridden else '')
           for name, value in values.items()]
  return f'preset {program}/{environment}: {", ".join(items)}'
