"""AlphaZeroConfig: the paper's knobs plus replay, learner and evaluation
settings; frozen and checked at construction."""

import dataclasses
from typing import Tuple

from agents.alphazero import mcts
from agents.common import config_checks


@dataclasses.dataclass(frozen=True)
class AlphaZeroConfig:
  """Defaults suit tic-tac-toe on 2 cores (benchmarks/results.md)."""

  seed: int = 0
  # Search.
  simulations: int = 40  # Per move in self-play.
  c_puct: float = 1.5
  # Q of a move not yet visited, in PUCT (self-play and evaluation): 'zero'
  # (the paper's pseudocode) or 'parent' (the position's mean value so far:
  # first-play urgency; agents/alphazero/mcts.py).
  unvisited_q: str = 'zero'
  # Playout cap randomization (KataGo, Wu 2019): with fast_simulations
  # > 0, a self-play move is a full search (`simulations`, root noise,
  # written to replay) with probability full_search_fraction, otherwise a
  # fast one (`fast_simulations`, no noise, not written). Against full
  # searches on every move, the same simulations play more games (more
  # outcomes, the value targets); against cheaper searches on every move,
  # the written policies come from deeper ones. 0: every move is a full
  # search.
  fast_simulations: int = 0
  full_search_fraction: float = 0.25
  # Games a self-play actor plays at once, in lockstep: each round of
  # search takes one simulation in every game's tree, and the new positions
  # go through the network in one batch (fewer, larger NumPy calls; the
  # trees are those of one game at a time).
  parallel_games: int = 1
  # Dirichlet noise at the root of self-play games only: P = (1 - epsilon)
  # P + epsilon Dir(alpha) over the legal moves.
  dirichlet_alpha: float = 1.0
  dirichlet_epsilon: float = 0.25
  # Moves sampled in proportion to visit counts (temperature 1); later
  # moves take the most visited.
  temperature_moves: int = 4
  # The value target (1 - w) z + w q: z the game's outcome for the player
  # to move, q the self-play search's value of the position (the mean of
  # the values backed up through its root). 0 is the paper's z; Oracle's
  # Connect Four AlphaZero (Prasad 2019) trained faster on the average.
  search_value_weight: float = 0.0
  # Add every symmetric copy of each position (8 for tic-tac-toe, 2 for
  # Connect Four) to replay.
  augment: bool = True
  # Network: 3x3 convolutions over the board with these channels (none:
  # an MLP on the flat observation), then an MLP torso, a policy head and
  # a tanh value head.
  conv_channels: Tuple[int, ...] = ()
  hidden_sizes: Tuple[int, ...] = (128, 128)
  # Replay (a uniform Reverb table, FIFO at capacity).
  replay_size: int = 20_000
  min_replay_size: int = 500
  # The learner's samples per inserted position, kept by the rate limiter.
  samples_per_insert: float = 4.0
  batch_size: int = 64
  learning_rate: float = 1e-3
  # Linear from learning_rate to final_learning_rate over this many
  # updates, then constant; 0: learning_rate throughout.
  learning_rate_decay_steps: int = 0
  final_learning_rate: float = 1e-4
  l2_weight: float = 1e-4
  # Self-play actors fetch the newest weights every this many games.
  variable_update_games: int = 1
  variable_refresh_seconds: float = 0.5
  # Evaluation: games per opponent (half in each seat), every period.
  eval_games: int = 20
  eval_period_seconds: float = 10.0
  # Search in evaluation games (no noise, most visited move).
  eval_simulations: int = 100
  # Opponents of the evaluator ('random', 'perfect' (tic-tac-toe only),
  # 'mcts_<simulations>'); the first is the target's: the evaluator's
  # episode_return is the mean score against it (win 1, draw 0, loss -1),
  # so --target_return=0 stops the run once it never loses to it.
  opponents: Tuple[str, ...] = ('perfect', 'random')
  log_period_seconds: float = 2.0
  checkpoint_period_seconds: float = 60.0
  # The replay table preset's fields (agents.common.replay_tables).
  prioritized: bool = False
  priority_exponent: float = 0.6
  # The replay limiter's slack for one actor's write (replay_tables'
  # error_buffer): a game's rows, symmetric copies included (tic-tac-toe
  # at most 9 x 8 = 72, Connect Four 42 x 2 = 84; most games write fewer).
  insert_batch: int = 64

  def __post_init__(self):
    config_checks.positive_ints(self, (
        'simulations', 'parallel_games', 'replay_size', 'min_replay_size',
        'batch_size', 'variable_update_games', 'eval_games', 'eval_simulations',
        'insert_batch'))
    config_checks.positive(self, (
        'c_puct', 'dirichlet_alpha', 'samples_per_insert', 'learning_rate',
        'variable_refresh_seconds', 'eval_period_seconds',
        'log_period_seconds', 'checkpoint_period_seconds'))
    config_checks.non_negative(self, ('temperature_moves', 'l2_weight',
                                      'fast_simulations',
                                      'learning_rate_decay_steps',
                                      'final_learning_rate'))
    if not 0 < self.full_search_fraction <= 1:
      raise ValueError('AlphaZeroConfig.full_search_fraction='
                       f'{self.full_search_fraction!r} must be in (0, 1].')
    if self.fast_simulations >= self.simulations:
      raise ValueError('AlphaZeroConfig.fast_simulations='
                       f'{self.fast_simulations} must be below simulations='
                       f'{self.simulations} (0 turns fast searches off).')
    config_checks.unit_interval(self, ('dirichlet_epsilon',
                                       'search_value_weight'))
    if not self.hidden_sizes or any(
        not isinstance(h, int) or h < 1 for h in self.hidden_sizes):
      raise ValueError(f'AlphaZeroConfig.hidden_sizes={self.hidden_sizes!r} '
                       'must be ints >= 1, at least one.')
    if any(not isinstance(c, int) or c < 1 for c in self.conv_channels):
      raise ValueError('AlphaZeroConfig.conv_channels='
                       f'{self.conv_channels!r} must be ints >= 1.')
    if self.unvisited_q not in mcts.UNVISITED:
      raise ValueError(f'AlphaZeroConfig.unvisited_q={self.unvisited_q!r}; '
                       f'allowed: {", ".join(mcts.UNVISITED)}.')
    if self.prioritized:
      raise ValueError('AlphaZeroConfig.prioritized=True: AlphaZero samples '
                       'its replay uniformly.')
    if not self.opponents:
      raise ValueError('AlphaZeroConfig.opponents must name at least one '
                       'opponent.')
    for name in self.opponents:
      if not (name in ('random', 'perfect') or (
          name.startswith('mcts_') and name[5:].isdigit() and
          int(name[5:]) >= 1)):
        raise ValueError(f'AlphaZeroConfig.opponents: {name!r}; allowed: '
                         'random, perfect, mcts_<simulations >= 1>.')
    if self.min_replay_size > self.replay_size:
      raise ValueError(f'AlphaZeroConfig.min_replay_size='
                       f'{self.min_replay_size} exceeds replay_size='
                       f'{self.replay_size}.')
