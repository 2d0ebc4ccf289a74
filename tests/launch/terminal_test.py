"""The quiet terminal: which lines pass, how rows become the progress line."""

import io
import sys

from absl.testing import absltest

from launch import terminal
from programs.nodes import budget as budget_lib

# Lines as a local_mp launch of IMPALA on Catch printed them (2026-12-01).
CHATTER = [
    '[variable_server/0] I1201 13:15:16.904359 139824596327296 '
    'courier_utils.py:120] Binding: get_variables',
    '[learner/0] I1201 13:15:22.990185 140322117868416 node.py:61] Reverb '
    'client connecting to: localhost:43319',
    '[replay/0] [reverb/cc/platform/default/server.cc:71] Started replay '
    'server on port 43319',
    '[replay/0] I1201 13:15:39.678493 139734553361280 portpicker.py:94] '
    "Returning a port that wasn't given by portpicker: 43319",
    '[counter/0] Waiting for workers to stop for 10s.',
    '\x1b[34mWaiting for workers to stop for 29s.\x1b[0m\r',
    '2026-12-01 13:14:34.165202: I courier/platform/default/server.cc:61] '
    'Courier server on port 40153 shutting down.',
    "[replay/0] 2026-12-01 12:55:28.211064: W tensorflow/stream_executor/"
    "platform/default/dso_loader.cc:64] Could not load dynamic library "
    "'libcuda.so.1'",
]
KEPT = [
    '[actor/1] [actor] first environment step at 30.1 s after launch',
    '[evaluator/0] [evaluator] budget reached (target_return=0.9) after '
    '44.9 s; stopping the program.',
    '[learner/0] [learner] checkpoint at learner step 284: /tmp/q1/ckpt-1',
    '[actor/0] Traceback (most recent call last):',
    '[actor/0] W1201 13:15:16.904359 139824596327296 variable_server.py:61]'
    ' Variable server: source not answering (Deadline Exceeded).',
    "[actor/0] pybind11_abseil.status.StatusNotOk: Python exception",
]


class ChatterTest(absltest.TestCase):

  def test_library_info_lines_are_chatter(self):
    for line in CHATTER:
      self.assertTrue(terminal.is_chatter(line), line)

  def test_node_messages_warnings_and_errors_are_not(self):
    for line in KEPT:
      self.assertFalse(terminal.is_chatter(line), line)


class ProgressTest(absltest.TestCase):

  def test_rows_are_parsed_with_and_without_node_prefix(self):
    row = terminal.parse_row(
        '\x1b[1;36m[learner/0] [learner] walltime_s=26.55 actor_steps=5184 '
        'learner_steps=1 loss=-0.5527\x1b[0;0m')
    self.assertEqual(row, {'label': 'learner', 'walltime_s': 26.55,
                           'actor_steps': 5184.0, 'learner_steps': 1.0,
                           'loss': -0.5527})
    self.assertEqual(terminal.parse_row(
        '[evaluator] walltime_s=3 episode_return=1')['episode_return'], 1.0)
    self.assertIsNone(terminal.parse_row('[actor] first environment step'))

  def test_the_line_has_rate_steps_return_and_budget_left(self):
    progress = terminal.Progress(budget_lib.Budget(max_seconds=60,
                                                   max_learner_steps=1000))
    self.assertEqual(progress.line(5.2),
                     '5 s: budget: 55 s or 1,000 learner steps left')
    # Rows are timed as they arrive (`now`), not by their printed clock.
    progress.add({'label': 'actor', 'walltime_s': 10.0, 'actor_steps': 1000},
                 now=110.0)
    progress.add({'label': 'learner', 'walltime_s': 10.5,
                  'actor_steps': 900, 'learner_steps': 40}, now=110.5)
    self.assertEqual(progress.line(11),
                     '11 s: 1,000 env steps, 40 learner steps, budget: 49 s '
                     'or 960 learner steps left')
    progress.add({'label': 'actor', 'walltime_s': 20.0, 'actor_steps': 31000},
                 now=120.0)
    progress.add({'label': 'evaluator', 'walltime_s': 20.0,
                  'episode_return': -0.25}, now=120.0)
    self.assertEqual(progress.line(21),
                     '21 s: 3,000 env steps/s, 31,000 env steps, 40 learner '
                     'steps, evaluator return -0.25, budget: 39 s or 960 '
                     'learner steps left')

  def test_env_step_budget_counts_down(self):
    progress = terminal.Progress(budget_lib.Budget(max_actor_steps=5000))
    progress.add({'label': 'actor', 'walltime_s': 1.0, 'actor_steps': 1200})
    self.assertTrue(progress.line(2).endswith('budget: 3,800 env steps left'))


class ConsoleTest(absltest.TestCase):

  def test_drops_chatter_reads_rows_and_passes_the_rest(self):
    out = io.StringIO()
    progress = terminal.Progress()
    console = terminal.Console(out, progress)
    for line in CHATTER:
      console.write(line if line.endswith('\r') else line + '\n')
    console.write('[actor/0] [actor] walltime_s=4 actor_')  # Half a line...
    console.write('steps=640\n')  # ...then the rest.
    for line in KEPT:
      console.write(line + '\n')
    console.write('no newline yet')
    console.flush()
    self.assertEqual(out.getvalue(), '\n'.join(KEPT) + '\nno newline yet')
    self.assertIn('640 env steps', progress.line(5))

  def test_quiet_routes_and_restores_the_streams(self):
    stdout, stderr = sys.stdout, sys.stderr
    restore = terminal.quiet(None, start_time=0, period_seconds=600)
    try:
      self.assertIsInstance(sys.stdout, terminal.Console)
      self.assertIsInstance(sys.stderr, terminal.Console)
    finally:
      restore()
    self.assertIs(sys.stdout, stdout)
    self.assertIs(sys.stderr, stderr)


if __name__ == '__main__':
  absltest.main()
