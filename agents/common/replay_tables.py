"""The replay table preset of the DQN family (transitions) and R2D2
(sequences): uniform or prioritized sampling, FIFO removal at capacity, and
a min-size or samples-per-insert rate limiter."""

from typing import Any

import reverb


def error_buffer(config: Any) -> float:
  """Slack of the samples-per-insert limiter, in samples.

  Actors insert `config.insert_batch` items at once and the learner samples
  `config.batch_size`; the buffer must cover both or the two take turns
  waiting.
  """
  return 2.0 * max(config.batch_size,
                   config.insert_batch * config.samples_per_insert)


def replay_table(name: str, signature: Any, config: Any) -> reverb.Table:
  """A replay table, uniform or prioritized, FIFO removal at capacity.

  The rate limiter waits for `config.min_replay_size` items and, with
  `config.samples_per_insert` > 0, keeps samples per insert near that ratio
  (the learner waits when it would over-sample, the actors when they would
  under-feed it). `config` has the replay fields of `agents.dqn.DQNConfig`
  (items are transitions for DQN, sequences for R2D2).
  """
  if config.prioritized:
    sampler = reverb.selectors.Prioritized(config.priority_exponent)
  else:
    sampler = reverb.selectors.Uniform()
  if config.samples_per_insert > 0:
    limiter = reverb.rate_limiters.SampleToInsertRatio(
        samples_per_insert=config.samples_per_insert,
        min_size_to_sample=config.min_replay_size,
        error_buffer=error_buffer(config))
  else:
    limiter = reverb.rate_limiters.MinSize(config.min_replay_size)
  return reverb.Table(
      name=name, sampler=sampler, remover=reverb.selectors.Fifo(),
      max_size=config.replay_size, rate_limiter=limiter, signature=signature)
