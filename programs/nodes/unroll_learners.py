"""The learner of an unroll queue (IMPALA's, PPO's, A2C's under central
inference) as its node builds it, alone or as one of K data-parallel
replicas (`agents.common.unroll_learner`): replica i reads 1/K of each
batch's unrolls and averages its gradients with the others' through the
`all_reduce` node (`programs.nodes.all_reduce`); replica 0 alone counts
and logs. Called in the learner's process by the programs' factories.
"""

from typing import Any, Callable, Optional

from programs.nodes import counter as counter_lib
from programs.nodes import lifecycle
from programs.nodes import loggers


def make_learner(build: Callable[..., Any], replay: Any,
                 counter: Optional[Any], all_reduce: Optional[Any], *,
                 batch_unrolls: int, config: Any, replica: int,
                 logdir: Optional[str], start_time: float) -> Any:
  """`build(iterator, counter=, logger=, all_reduce=)` on the queue of
  `replay` (a Reverb client): a learner of batches of `batch_unrolls`
  unrolls, of which this replica reads batch_unrolls / K.

  Args:
    build: e.g. `functools.partial(IMPALALearner, network, config=config)`.
    replay: the queue's Reverb client.
    counter: the counter's client (replica 0), or None.
    all_reduce: the all-reduce node's client with learner_replicas > 1.
    batch_unrolls: unrolls per update (per iteration: PPO), all replicas'.
    config: learner_replicas, log_period_seconds.
    replica: this replica's index (0 with one learner).
    logdir: CSV and TensorBoard files of replica 0 go here.
    start_time: the clock of every log row.
  """
  # pylint: disable=g-import-not-at-top
  from agents.common import replay_datasets
  from agents.common import unroll_learner
  from agents.common import unrolls
  # pylint: enable=g-import-not-at-top
  dataset = replay_datasets.make_dataset(
      replay.server_address, unrolls.QUEUE_TABLE,
      batch_unrolls // config.learner_replicas,
      on_wait=lifecycle.check_stop)
  logger = None
  if counter is not None:
    counter = counter_lib.CounterClient(counter)
    logger = loggers.learner_logger(counter, logdir=logdir,
                                    start_time=start_time,
                                    period_seconds=config.log_period_seconds)
  if all_reduce is not None:
    # The learner's thread has no stop event of its own: the node's,
    # taken here, ends a wait for the other replicas at the stop.
    all_reduce = unroll_learner.AllReduceClient(
        all_reduce, replica, on_wait=lifecycle.stop_checker('all_reduce'))
  return build(iter(dataset), counter=counter, logger=logger,
               all_reduce=all_reduce)
