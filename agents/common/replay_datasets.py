"""The learners' datasets of Reverb samples: one reader, batches, one
batch prefetched; built once the table's server answers.

acme 0.4.0's `make_reverb_dataset` asks the server for the table's
signature with no timeout: a learner built after its replay had stopped (a
program that met its budget while the learner was still starting) waited
forever, and Launchpad SIGKILLed the launch. Here the question is asked
again every SIGNATURE_POLL_SECONDS, and `on_wait` (a node passes
`programs.nodes.lifecycle.check_stop`) may give up between tries by
raising.
"""

from typing import Callable, Optional

import reverb
import tensorflow as tf

SIGNATURE_POLL_SECONDS = 1


def make_dataset(server_address: str, table: str, batch_size: int,
                 on_wait: Optional[Callable[[], None]] = None
                 ) -> tf.data.Dataset:
  """Batches of `batch_size` samples of `table`.

  One reader (acme's default of 12 parallel readers competes with the
  actors for 2 cores), at most 2 batches of samples in flight, as acme's.

  Args:
    server_address: the Reverb server's address.
    table: the table's name; its signature gives the dataset's structure.
    batch_size: samples per batch.
    on_wait: called each time the server has not answered for
      SIGNATURE_POLL_SECONDS; raise from it to stop waiting.
  """
  while True:
    try:
      dataset = reverb.TrajectoryDataset.from_table_signature(
          server_address=server_address, table=table,
          max_in_flight_samples_per_worker=2 * batch_size,
          get_signature_timeout_secs=SIGNATURE_POLL_SECONDS)
      break
    except reverb.DeadlineExceededError:
      if on_wait is not None:
        on_wait()
  return dataset.batch(batch_size, drop_remainder=True).prefetch(1)
