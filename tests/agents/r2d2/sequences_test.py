"""Sequences: overlap, the stored state is the one before x_0, replay items
are batch-major, and the config's checks."""

import dataclasses

from absl.testing import absltest
import numpy as np

from agents.r2d2 import config as config_lib
from agents.r2d2 import sequences

B, H, A = 3, 4, 2
CONFIG = config_lib.R2D2Config(sequence_length=6, sequence_period=4,
                               burn_in=1, lstm_size=H)


def _step(t):
  """Step t of every environment, each field encoding (t, env)."""
  env = np.arange(B)
  return {
      'observation': np.stack([np.full(B, t), env], -1).astype(np.float32),
      'first': (np.full(B, t) % 5) == 0,
      'action': np.full(B, t % A, np.int32),
      'reward': (t + env / 10).astype(np.float32),
      'discount': np.ones(B, np.float32),
      'q_values': np.full((B, A), t, np.float32),
      'core_hidden': np.full((B, H), t, np.float32),
      'core_cell': np.full((B, H), -t, np.float32),
  }


class SequenceBuilderTest(absltest.TestCase):

  def test_windows_overlap_and_keep_the_state_at_their_start(self):
    builder = sequences.SequenceBuilder(B, (2,), A, CONFIG)
    windows = []
    for t in range(20):
      window = builder.add(_step(t))
      if window is not None:
        windows.append((t, window))
    # Length 6, a new one every 4 steps: ends at steps 5, 9, 13, 17.
    self.assertEqual([t for t, _ in windows], [5, 9, 13, 17])
    for i, (_, window) in enumerate(windows):
      start = 4 * i
      np.testing.assert_array_equal(window['observation'][:, 0, 0],
                                    np.arange(start, start + 6))
      np.testing.assert_allclose(window['reward'][:, 2],
                                 np.arange(start, start + 6) + 0.2, rtol=1e-6)
      items = sequences.replay_items(window)
      self.assertEqual(items['observation'].shape, (B, 6, 2))
      # The stored state is the actor's state before x_0 of the sequence.
      np.testing.assert_array_equal(items['core_hidden'],
                                    np.full((B, H), start))
      np.testing.assert_array_equal(items['core_cell'],
                                    np.full((B, H), -start))
      np.testing.assert_array_equal(items['first'][1],
                                    np.arange(start, start + 6) % 5 == 0)
      self.assertNotIn('q_values', items)  # Only the actor's priorities.

  def test_signature_matches_items(self):
    builder = sequences.SequenceBuilder(B, (2,), A, CONFIG)
    for t in range(6):
      window = builder.add(_step(t))
    items = sequences.replay_items(window)
    signature = sequences.signature((2,), CONFIG)
    self.assertEqual(set(items), set(signature))
    for key, spec in signature.items():
      self.assertEqual(items[key].shape[1:], tuple(spec.shape), key)
      self.assertEqual(items[key].dtype, spec.dtype.as_numpy_dtype, key)


class ConfigTest(absltest.TestCase):

  def test_defaults_are_valid_and_follow_the_paper_where_stated(self):
    config = config_lib.R2D2Config()
    self.assertEqual(config.n_step, 5)
    self.assertEqual(config.priority_eta, 0.9)
    self.assertEqual(config.value_rescaling_epsilon, 1e-3)
    self.assertTrue(config.prioritized)

  def test_rejects_bad_values_naming_the_field(self):
    bad = [dict(burn_in=19), dict(burn_in=-1), dict(sequence_period=21),
           dict(priority_eta=1.5), dict(distributional=True),
           dict(bootstrap_truncation=True), dict(lstm_size=0)]
    for kwargs in bad:
      field = list(kwargs)[0]
      with self.assertRaisesRegex(ValueError, field, msg=str(kwargs)):
        dataclasses.replace(config_lib.R2D2Config(), **kwargs)


if __name__ == '__main__':
  absltest.main()
