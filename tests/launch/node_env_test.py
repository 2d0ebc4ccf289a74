"""A node started by launch.local_mp, from a launcher that imported no
TensorFlow, imports TensorFlow itself and runs a tf.function with a while
loop (as the IMPALA learner's V-trace scan does): without local_mp.NODE_ENV
that call fails with "Op type not registered '..._while_cond_...'". The
node's NumPy BLAS runs one thread (local_mp.SHARED_MACHINE_ENV)."""

import os
import subprocess
import sys
import tempfile

from absl.testing import absltest

from tests import helpers

# The launcher side: no TensorFlow here (checked), one node, local_mp.
LAUNCHER = '''
import sys
from absl import flags
import launchpad as lp
from launch import local_mp
flags.FLAGS(sys.argv[:1])  # Launchpad's --lp_* flags, at their defaults.

def node(path):
  import tensorflow as tf

  @tf.function
  def cumulative(x):
    return tf.scan(lambda a, b: a + b, x)

  import os
  with open(path, 'w') as f:
    f.write(str(cumulative(tf.range(4.0)).numpy().tolist()) + ' ' +
            os.environ.get('OPENBLAS_NUM_THREADS', 'unset'))

program = lp.Program('node_env')
with program.group('node'):
  program.add_node(lp.PyNode(node, sys.argv[1]))
manager, relays = local_mp.launch(program, {})
manager.wait()
for relay in relays:
  relay.join(timeout=5)
print('tensorflow' in sys.modules)
'''


class NodeEnvTest(absltest.TestCase):

  def test_a_node_importing_tensorflow_runs_a_while_loop(self):
    out = os.path.join(tempfile.mkdtemp(), 'result')
    env = {k: v for k, v in os.environ.items()
           if k not in ('TF2_BEHAVIOR', 'OPENBLAS_NUM_THREADS')}
    env['TF_CPP_MIN_LOG_LEVEL'] = '3'
    result = subprocess.run(
        [sys.executable, '-c', LAUNCHER, out], cwd=helpers.REPO, env=env,
        capture_output=True, text=True, timeout=180, start_new_session=True)
    self.assertEqual(result.returncode, 0, result.stderr[-3000:])
    self.assertEqual(result.stdout.strip().splitlines()[-1], 'False')
    with open(out) as f:
      # NumPy's BLAS on one thread: nodes share the cores.
      self.assertEqual(f.read(), '[0.0, 1.0, 3.0, 6.0] 1')


if __name__ == '__main__':
  absltest.main()
