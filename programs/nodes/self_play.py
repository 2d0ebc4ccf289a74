"""The `actor` node of search-based programs (AlphaZero): plays whole games
against itself until the program stops; counts moves as actor_steps and
games as games; one actor logs games/s and simulations/s."""

import time
from typing import Any, Callable, Optional

import launchpad as lp

from programs.nodes import counter as counter_lib
from programs.nodes import lifecycle
from programs.nodes import loggers
from programs.nodes import variable_server

# make_actor(variable_source=, replay=, should_stop=) -> an actor with
# `play() -> {'moves', 'result', 'started', 'seconds'}` (the next game to
# end; others may be in flight) and `simulations` (so far).
SelfPlayFactory = Callable[..., Any]


class SelfPlayRunner:
  """Runs a self-play actor game after game until the stop."""

  @lifecycle.guarded
  def __init__(self, make_actor: SelfPlayFactory, variable_source: Any,
               replay: Any, counter: Any, logdir: Optional[str],
               start_time: float, log_period_seconds: float, log: bool):
    self._make_actor = make_actor
    self._variable_source = variable_server.variable_source(variable_source)
    self._replay = replay
    self._counter = counter_lib.CounterClient(
        lifecycle.StoppableClient(counter))
    self._start_time = start_time
    self._logger = None
    if log:
      self._logger = loggers.NodeLogger(
          'actor', logdir, start_time, log_period_seconds,
          counts_fn=self._counter.get_counts)

  @lifecycle.guarded
  def run(self) -> None:
    stop = lp.stop_event()
    actor = self._make_actor(variable_source=self._variable_source,
                             replay=self._replay, should_stop=stop.is_set)
    started, games, moves = time.time(), 0, 0
    while not stop.is_set():
      game = actor.play()
      if not games:  # Its first move came as the game started.
        print(f'[actor] first environment step at '
              f'{game["started"] - self._start_time:.1f} s after launch '
              '(self-play)', flush=True)
      games += 1
      moves += game['moves']
      self._counter.increment(actor_steps=game['moves'], games=1)
      if self._logger is not None:
        elapsed = time.time() - started
        self._logger.write({
            'games_local': games, 'games_per_s_local': games / elapsed,
            'simulations_per_s_local': actor.simulations / elapsed,
            'moves_per_game': moves / games,
            'first_player_result': game['result']})
    if self._logger is not None:
      self._logger.close()


def build_self_play(make_actor: SelfPlayFactory, *, variable_source: Any,
                    replay: Any, counter: Any, logdir: Optional[str],
                    start_time: float, log_period_seconds: float,
                    log: bool) -> lp.PyClassNode:
  """A self-play actor node: `make_actor` reading `variable_source`,
  writing to `replay`, counting into `counter`; it logs if `log`."""
  return lp.PyClassNode(
      SelfPlayRunner, make_actor=make_actor, variable_source=variable_source,
      replay=replay, counter=counter, logdir=logdir, start_time=start_time,
      log_period_seconds=log_period_seconds, log=log)
