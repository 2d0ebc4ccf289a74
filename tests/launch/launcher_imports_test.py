"""The launcher builds every program without importing TensorFlow, Reverb or
Sonnet: it only makes the graph and starts processes, and TensorFlow in it
cost ~0.3 GiB of RSS and ~3 s before any node started (benchmarks/results.md,
central inference). `lp.ReverbNode` was what pulled it in
(programs.nodes.replay)."""

import subprocess
import sys

from absl.testing import absltest

from tests import helpers

# Each program is built (as `python -m launch` does, no process started) on
# the first environment it takes, under its default config and the launch
# choices that add nodes (central inference, learner replicas).
CHECK = '''
import sys, tempfile
import programs
from launch import config as config_lib
ENVIRONMENTS = ('catch', 'pendulum', 'tic_tac_toe', 'chain_walk',
                'grid_world')
CHOICES = {'impala': [{}, {'inference': 'central', 'learner_replicas': 2}],
           'a2c': [{}, {'inference': 'central', 'learner_replicas': 2}],
           'appo': [{}, {'inference': 'central', 'learner_replicas': 2}]}
built = []
for program in sorted(programs.PROGRAMS):
  for hparams in CHOICES.get(program, [{}]):
    for environment in ENVIRONMENTS:
      try:
        config_lib.build(config_lib.LaunchConfig(
            program=program, environment=environment, max_seconds=10,
            logdir=tempfile.mkdtemp(), hparams=hparams))
      except ValueError:
        continue
      built.append(program)
      break
    else:
      raise SystemExit(f'{program} {hparams} built on no environment')
heavy = sorted(m for m in ('tensorflow', 'reverb', 'sonnet') if m in sys.modules)
print(len(set(built)), len(programs.PROGRAMS), ','.join(heavy) or 'none')
'''


class LauncherImportsTest(absltest.TestCase):

  def test_every_program_builds_without_tensorflow(self):
    result = subprocess.run([sys.executable, '-c', CHECK], cwd=helpers.REPO,
                            capture_output=True, text=True, timeout=300)
    self.assertEqual(result.returncode, 0, result.stderr[-2000:])
    built, known, heavy = result.stdout.strip().splitlines()[-1].split()
    self.assertEqual(built, known)
    self.assertEqual(heavy, 'none')


if __name__ == '__main__':
  absltest.main()
