"""When a run is over: the first of its step and time budgets reached."""

import collections
import dataclasses
import time
from typing import Callable, Mapping, Optional

# target_return is compared with the mean of this many evaluator rounds, so
# that one lucky round does not end a run.
TARGET_ROUNDS = 3


@dataclasses.dataclass(frozen=True)
class Budget:
  """Limits of one run; None means no limit of that kind. One is required."""

  max_seconds: Optional[float] = None  # Wall-clock seconds since launch.
  max_actor_steps: Optional[int] = None  # Environment steps, all actors.
  max_learner_steps: Optional[int] = None  # Learner updates.
  # Stop early once the mean return of the last TARGET_ROUNDS evaluator
  # rounds reaches this (like RLlib's `stop={"episode_reward_mean": ...}`);
  # not a limit on its own: a run that never learns must still end.
  target_return: Optional[float] = None

  def __post_init__(self):
    limits = {k: v for k, v in dataclasses.asdict(self).items()
              if k != 'target_return'}
    if all(v is None for v in limits.values()):
      raise ValueError('Budget needs at least one of max_seconds, '
                       'max_actor_steps, max_learner_steps: a run without one '
                       'never stops by itself.')
    for name, value in limits.items():
      if value is not None and value <= 0:
        raise ValueError(f'Budget.{name}={value} must be > 0.')

  def return_reached(self, episode_return: float) -> Optional[str]:
    """'target_return=X' if `episode_return` (a smoothed evaluator mean)
    reached it."""
    if self.target_return is not None and episode_return >= self.target_return:
      return f'target_return={self.target_return}'
    return None

  def reached(self, counts: Mapping[str, float],
              elapsed_seconds: float) -> Optional[str]:
    """Which limit is reached (e.g. 'max_seconds=60'), or None.

    Args:
      counts: the counter's counts, keys `actor_steps` and `learner_steps`.
      elapsed_seconds: seconds since launch.
    """
    if self.max_seconds is not None and elapsed_seconds >= self.max_seconds:
      return f'max_seconds={self.max_seconds}'
    if (self.max_actor_steps is not None and
        counts.get('actor_steps', 0) >= self.max_actor_steps):
      return f'max_actor_steps={self.max_actor_steps}'
    if (self.max_learner_steps is not None and
        counts.get('learner_steps', 0) >= self.max_learner_steps):
      return f'max_learner_steps={self.max_learner_steps}'
    return None


class TargetWatch:
  """The stop rule of evaluators: once the mean of the last TARGET_ROUNDS
  rounds reaches the budget's target_return, it says so and calls `stop`
  (the program's, lp.stop)."""

  def __init__(self, budget: Optional[Budget], start_time: float,
               stop: Callable[[], None]):
    self._budget = budget
    self._start_time = start_time
    self._stop = stop
    self._recent = collections.deque(maxlen=TARGET_ROUNDS)

  def add(self, episode_return: float) -> bool:
    """Records a round; True if it met the target (the program stops)."""
    self._recent.append(episode_return)
    if self._budget is None or len(self._recent) < TARGET_ROUNDS:
      return False
    reason = self._budget.return_reached(sum(self._recent) / TARGET_ROUNDS)
    if reason:
      print(f'[evaluator] budget reached ({reason}) after '
            f'{time.time() - self._start_time:.1f} s; stopping the program.',
            flush=True)
      self._stop()
    return bool(reason)
