"""Value iteration, policy evaluation and policy iteration as map-reduce
(Li & Schuurmans 2011): mappers own row blocks of a sparse model and return
their block of the Bellman backup; a reducer assembles V and stops on the
sup-norm change. NumPy + SciPy only.

  from agents import value_iteration
  config = value_iteration.ValueIterationConfig(grid_size=100)
  block = value_iteration.build_block(config, start, stop)

Modules: config (ValueIterationConfig), model (the sparse grid world, row
blocks, `backup_block`, the reducer's loop `value_iteration`, and the
single-process references `solve_exact`, `evaluate_policy_exact`).
"""

# pylint: disable=unused-import
from agents.value_iteration.config import MODES
from agents.value_iteration.config import ValueIterationConfig
from agents.value_iteration.model import backup_block
from agents.value_iteration.model import Block
from agents.value_iteration.model import build
from agents.value_iteration.model import build_block
from agents.value_iteration.model import evaluate_policy_exact
from agents.value_iteration.model import row_blocks
from agents.value_iteration.model import Solution
from agents.value_iteration.model import solve_exact
from agents.value_iteration.model import stop_threshold
from agents.value_iteration.model import value_iteration
