"""Checks every agent config runs in `__post_init__`: one wording of each
error, naming the config class, the field, its value and what is allowed.

  config_checks.positive_ints(self, ('batch_size', 'unroll_length'))
  config_checks.choice(self, 'optimizer', ('adam', 'rmsprop'))
"""

from typing import Any, Sequence


def _field(config: Any, name: str) -> str:
  return f'{type(config).__name__}.{name}={getattr(config, name)!r}'


def positive_ints(config: Any, names: Sequence[str]) -> None:
  """Each field is an int >= 1 (bools are not ints here)."""
  for name in names:
    value = getattr(config, name)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
      raise ValueError(f'{_field(config, name)} must be an int >= 1.')


def positive(config: Any, names: Sequence[str]) -> None:
  """Each field is > 0."""
  for name in names:
    if not getattr(config, name) > 0:
      raise ValueError(f'{_field(config, name)} must be > 0.')


def non_negative(config: Any, names: Sequence[str]) -> None:
  """Each field is >= 0."""
  for name in names:
    if not getattr(config, name) >= 0:
      raise ValueError(f'{_field(config, name)} must be >= 0.')


def unit_interval(config: Any, names: Sequence[str]) -> None:
  """Each field lies in [0, 1]."""
  for name in names:
    if not 0.0 <= getattr(config, name) <= 1.0:
      raise ValueError(f'{_field(config, name)} must lie in [0, 1].')


def decay(config: Any, name: str) -> None:
  """A decay rate in [0, 1) (1 would never forget)."""
  if not 0.0 <= getattr(config, name) < 1.0:
    raise ValueError(f'{_field(config, name)} must lie in [0, 1).')


def choice(config: Any, name: str, allowed: Sequence[str]) -> None:
  """The field is one of `allowed`."""
  if getattr(config, name) not in allowed:
    raise ValueError(f'{_field(config, name)}; allowed: '
                     f'{", ".join(allowed)}.')


def layer_sizes(config: Any, name: str) -> None:
  """A non-empty tuple of layer sizes >= 1."""
  sizes = getattr(config, name)
  if not sizes or any(h < 1 for h in sizes):
    raise ValueError(f'{_field(config, name)} must be a non-empty tuple of '
                     'sizes >= 1.')


def learner_replicas(config: Any) -> None:
  """`learner_replicas` >= 1 and a divisor of `batch_size`: each
  data-parallel replica learns on an equal slice of the batch."""
  positive_ints(config, ('learner_replicas',))
  if config.batch_size % config.learner_replicas:
    raise ValueError(
        f'{_field(config, "learner_replicas")} must divide '
        f'batch_size={config.batch_size}: each replica learns on '
        'batch_size / learner_replicas unrolls.')


def queue_exceeds_batch(config: Any) -> None:
  """`queue_size` > `batch_size` + 1: an unroll queue that holds only a
  batch deadlocks (the learner's sample and the actors' inserts wait on
  each other)."""
  if config.queue_size <= config.batch_size + 1:
    raise ValueError(
        f'{_field(config, "queue_size")} must exceed batch_size + 1 '
        f'({config.batch_size + 1}) or the queue deadlocks.')
