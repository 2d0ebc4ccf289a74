"""The program modules and the node library load without TensorFlow or
Reverb, so that the nodes with nothing to compute (counter, variable
server) start in a fraction of a second and stay small (~0.4 GiB less RSS
each; benchmarks/results.md)."""

import subprocess
import sys

from absl.testing import absltest

from tests import helpers

CHECK = '''
import pkgutil, sys
import programs, programs.nodes
for module in pkgutil.iter_modules(programs.nodes.__path__):
  __import__('programs.nodes.' + module.name)
heavy = sorted(m for m in ('tensorflow', 'reverb', 'sonnet') if m in sys.modules)
print(','.join(heavy) or 'none')
'''

# What an environment worker of central inference does besides Courier
# calls: its environments, packing, counting (programs.nodes.env_worker).
WORKER = '''
import sys
from programs.nodes import env_worker
from agents.common import batched_environments, wire
for name in ('catch', 'cartpole'):
  env = batched_environments.make_batched_environment(name, 4, 0)
  wire.pack([env.reset()] + list(env.step([0] * 4)))
heavy = sorted(m for m in ('tensorflow', 'reverb', 'sonnet') if m in sys.modules)
print(','.join(heavy) or 'none')
'''


class ImportsTest(absltest.TestCase):

  def test_no_tensorflow_or_reverb_at_import(self):
    result = subprocess.run([sys.executable, '-c', CHECK], cwd=helpers.REPO,
                            capture_output=True, text=True, timeout=120,
                            check=True)
    self.assertEqual(result.stdout.strip().splitlines()[-1], 'none')

  def test_environment_workers_run_without_tensorflow(self):
    result = subprocess.run([sys.executable, '-c', WORKER], cwd=helpers.REPO,
                            capture_output=True, text=True, timeout=120,
                            check=True)
    self.assertEqual(result.stdout.strip().splitlines()[-1], 'none')


if __name__ == '__main__':
  absltest.main()
