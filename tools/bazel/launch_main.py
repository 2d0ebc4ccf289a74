"""The main of //launch:launcher: `python -m launch` from the runfiles tree.

  bazel run //launch:launcher -- --program=impala --env=catch --max_seconds=60

Relative paths in the flags (--config=launch/configs/..., --logdir=logs/x)
are taken from the directory `bazel run` was called in, as with
`python -m launch` there.
"""

import os
import runpy
import sys

if __name__ == '__main__':
  # The runfiles root (not this file's directory) heads sys.path, as the
  # current directory would under `python -m launch`.
  sys.path[0] = os.path.dirname(os.path.dirname(os.path.dirname(
      os.path.abspath(__file__))))
  if os.environ.get('BUILD_WORKING_DIRECTORY'):
    os.chdir(os.environ['BUILD_WORKING_DIRECTORY'])
  sys.meta_path[:] = [  # The venv's editable install: the runfiles instead.
      finder for finder in sys.meta_path
      if not (finder if isinstance(finder, type) else type(finder)
              ).__module__.startswith('__editable__')]
  runpy.run_module('launch', run_name='__main__', alter_sys=True)
