"""The main of every py_pytest target: pytest on one test module.

  pytest_main.py [-m EXPR] tests/agents/dqn/losses_test.py

Bazel runs a test from its runfiles tree (the current directory), where the
repository's packages, pytest.ini and the module are laid out as in the
work tree; the runfiles root is on sys.path and the venv's editable install
is not, so the code under test is what the BUILD files declare. Writes the
JUnit XML that Bazel asks for, and runs one shard of the module's tests
when the target sets shard_count.
"""

import os
import sys

import pytest


class _Shard:
  """Keeps every TEST_TOTAL_SHARDS-th test, from TEST_SHARD_INDEX."""

  def __init__(self, index, total):
    self._index = index
    self._total = total

  def pytest_collection_modifyitems(self, config, items):
    del config
    items[:] = [item for i, item in enumerate(items)
                if i % self._total == self._index]


def drop_editable_install():
  """Takes the venv's editable install of distrl off the import path.

  `pip install -e .` maps agents, programs and launch to the work tree (a
  finder at the end of sys.meta_path); it would hide a package missing
  from a target's runfiles. Child processes still have it.
  """
  sys.meta_path[:] = [
      finder for finder in sys.meta_path
      if not (finder if isinstance(finder, type) else type(finder)
              ).__module__.startswith('__editable__')]


def main(argv):
  drop_editable_install()
  if os.environ.get('TEST_TMPDIR'):
    # The sandbox's home is read-only; acme's loggers write under ~/acme.
    os.environ['HOME'] = os.environ['TEST_TMPDIR']
  args = ['-q', '-p', 'no:cacheprovider', '-c', 'pytest.ini',
          '--rootdir', os.getcwd()]
  xml = os.environ.get('XML_OUTPUT_FILE')
  if xml:
    args.append(f'--junitxml={xml}')
  plugins = []
  total = int(os.environ.get('TEST_TOTAL_SHARDS', '0') or 0)
  if total > 1:
    status = os.environ.get('TEST_SHARD_STATUS_FILE')
    if status:
      open(status, 'w').close()  # Tells Bazel that this runner shards.
    plugins.append(_Shard(int(os.environ['TEST_SHARD_INDEX']), total))
  return pytest.main(args + argv, plugins=plugins)


if __name__ == '__main__':
  sys.exit(main(sys.argv[1:]))
