"""When a run is over: the first of its step and time budgets reached."""

import dataclasses
from typing import Mapping, Optional


@dataclasses.dataclass(frozen=True)
class Budget:
  """Limits of one run; None means no limit of that kind. One is required."""

  max_seconds: Optional[float] = None  # Wall-clock seconds since launch.
  max_actor_steps: Optional[int] = None  # Environment steps, all actors.
  max_learner_steps: Optional[int] = None  # Learner updates.

  def __post_init__(self):
    limits = dataclasses.asdict(self)
    if all(v is None for v in limits.values()):
      raise ValueError('Budget needs at least one of max_seconds, '
                       'max_actor_steps, max_learner_steps: a run without one '
                       'never stops by itself.')
    for name, value in limits.items():
      if value is not None and value <= 0:
        raise ValueError(f'Budget.{name}={value} must be > 0.')

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
