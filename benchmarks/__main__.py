"""`python -m benchmarks`: every program on every task it fits, one table
(benchmarks/suite.py)."""

import os
import sys

os.environ.setdefault('TF_CPP_MIN_LOG_LEVEL', '2')  # Before TF is imported.
from benchmarks import suite  # pylint: disable=g-import-not-at-top,wrong-import-position

if __name__ == '__main__':
  sys.exit(suite.main())
