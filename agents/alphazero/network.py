"""The policy/value network: Sonnet for the learner, the same function in
NumPy for actors and evaluators.

Search calls the network once per simulation on one position; a TF call
costs ~100 us of overhead, a NumPy forward of the MLP a few us, so actors
run the pulled weights in NumPy and import no TensorFlow
(benchmarks/alphazero.py measures both).

The torso is optionally convolutional (`conv_channels`: 3x3 convolutions,
'SAME' padding, ReLU, over the board's two planes, then flattened) and then
an MLP (`hidden_sizes`); then a policy head and a tanh value head. The
convolutions need the board's (rows, columns): observations are the two
planes (the mover's stones, the opponent's) flattened one after the other.

Weights travel as one flat list: for each conv layer w [3, 3, in, out], b;
for each MLP layer w, b; then the policy head's w, b; then the value head's
w, b (`weights()` / NumpyNetwork).
"""

from typing import List, Optional, Sequence, Tuple

import numpy as np

NEG_INF = -1e9
KERNEL = 3
PLANES = 2  # Per board cell: the mover's stone, the opponent's.


def masked_softmax(logits: np.ndarray, legal: np.ndarray) -> np.ndarray:
  """Softmax over the legal entries of the last axis; 0 elsewhere."""
  logits = np.where(legal, logits, NEG_INF)
  logits = logits - logits.max(axis=-1, keepdims=True)
  exp = np.exp(logits) * legal
  return exp / exp.sum(axis=-1, keepdims=True)


def board_images(observations: np.ndarray, board: Tuple[int, int]
                 ) -> np.ndarray:
  """Observations [B, PLANES * rows * columns] as images [B, rows,
  columns, PLANES]."""
  rows, columns = board
  return observations.reshape(-1, PLANES, rows, columns).transpose(0, 2, 3, 1)


def _patch_indices(board: Tuple[int, int]) -> np.ndarray:
  """[rows * columns, KERNEL * KERNEL]: each cell's 3x3 neighbourhood as
  indices into the board padded by one cell on every side, row-major."""
  rows, columns = board
  padded_columns = columns + 2
  offsets = np.add.outer(np.arange(KERNEL) * padded_columns,
                         np.arange(KERNEL)).ravel()
  corners = np.add.outer(np.arange(rows) * padded_columns,
                         np.arange(columns)).ravel()
  return corners[:, None] + offsets[None, :]


class NumpyNetwork:
  """The network's forward pass on pulled weights."""

  def __init__(self, weights: Sequence[np.ndarray],
               board: Optional[Tuple[int, int]] = None):
    """`board` = (rows, columns); needed if the weights have conv layers
    (the 4-D ones, first in the list)."""
    weights = [np.asarray(w, np.float32) for w in weights]
    num_conv = 0
    while weights[2 * num_conv].ndim == 4:
      num_conv += 1
    if num_conv and board is None:
      raise ValueError('NumpyNetwork: conv weights need the board\'s '
                       '(rows, columns).')
    conv, dense = weights[:2 * num_conv], weights[2 * num_conv:]
    # A conv layer as one matrix over a cell's flattened 3x3 patch.
    self._conv = [(w.reshape(-1, w.shape[-1]), b)
                  for w, b in zip(conv[0::2], conv[1::2])]
    self._board = board
    if num_conv:
      self._patches = _patch_indices(board)
    self._torso = list(zip(dense[:-4:2], dense[1:-4:2]))
    self._policy = dense[-4], dense[-3]
    self._value = dense[-2], dense[-1]

  def _convolve(self, observations: np.ndarray) -> np.ndarray:
    rows, columns = self._board
    h = board_images(observations, self._board)
    batch = len(h)
    for w, b in self._conv:
      channels = h.shape[-1]
      padded = np.zeros((batch, rows + 2, columns + 2, channels), np.float32)
      padded[:, 1:-1, 1:-1] = h
      patches = padded.reshape(batch, -1, channels)[:, self._patches]
      h = np.maximum(patches.reshape(batch * rows * columns, -1) @ w + b, 0.0)
      h = h.reshape(batch, rows, columns, -1)
    return h.reshape(batch, -1)

  def __call__(self, observations: np.ndarray
               ) -> Tuple[np.ndarray, np.ndarray]:
    """Policy logits [B, A] and values [B] for observations [B, D]."""
    h = self._convolve(observations) if self._conv else observations
    for w, b in self._torso:
      h = np.maximum(h @ w + b, 0.0)
    logits = h @ self._policy[0] + self._policy[1]
    value = np.tanh(h @ self._value[0] + self._value[1])[:, 0]
    return logits, value


def random_weights(observation_size: int, num_actions: int,
                   hidden_sizes: Sequence[int], seed: int,
                   conv_channels: Sequence[int] = (),
                   board: Optional[Tuple[int, int]] = None
                   ) -> List[np.ndarray]:
  """Glorot-uniform weights, zero biases, in the travelling order: what an
  actor plays with before the learner's first weights arrive."""
  rng = np.random.default_rng(seed)
  out = []

  def layer(shape, fan_in, fan_out):
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    out.extend([rng.uniform(-limit, limit, shape).astype(np.float32),
                np.zeros(shape[-1], np.float32)])
  channels = PLANES
  for c in conv_channels:
    area = KERNEL * KERNEL
    layer((KERNEL, KERNEL, channels, c), area * channels, area * c)
    channels = c
  if conv_channels:
    observation_size = board[0] * board[1] * channels
  sizes = [observation_size, *hidden_sizes]
  for fan_in, fan_out in list(zip(sizes[:-1], sizes[1:])) + [
      (sizes[-1], num_actions), (sizes[-1], 1)]:
    layer((fan_in, fan_out), fan_in, fan_out)
  return out


def make_network(num_actions: int, hidden_sizes: Sequence[int],
                 conv_channels: Sequence[int] = (),
                 board: Optional[Tuple[int, int]] = None):
  """The Sonnet network (imports TensorFlow): call(observations) ->
  (logits, value); `weights()` in the travelling order. `board` = (rows,
  columns), needed with `conv_channels`."""
  import sonnet as snt  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top
  from agents.common import networks  # pylint: disable=g-import-not-at-top
  if conv_channels and board is None:
    raise ValueError('make_network: conv_channels need the board\'s '
                     '(rows, columns).')

  class PolicyValueNetwork(snt.Module):

    def __init__(self):
      super().__init__(name='policy_value')
      self._conv = [networks.Conv2D(c, KERNEL, padding='SAME',
                                    name=f'conv_{i}')
                    for i, c in enumerate(conv_channels)]
      self._torso = [snt.Linear(h, name=f'torso_{i}')
                     for i, h in enumerate(hidden_sizes)]
      self._policy = snt.Linear(num_actions, name='policy')
      self._value = snt.Linear(1, name='value')

    def __call__(self, observations):
      h = observations
      if self._conv:
        h = tf.transpose(tf.reshape(h, [-1, PLANES, *board]), [0, 2, 3, 1])
        for layer in self._conv:
          h = tf.nn.relu(layer(h))
        h = tf.reshape(h, [-1, board[0] * board[1] * conv_channels[-1]])
      for layer in self._torso:
        h = tf.nn.relu(layer(h))
      return self._policy(h), tf.tanh(self._value(h))[:, 0]

    def layers(self):
      return [*self._conv, *self._torso, self._policy, self._value]

    def weights(self) -> List[np.ndarray]:
      return [v.numpy() for layer in self.layers() for v in (layer.w,
                                                             layer.b)]

  return PolicyValueNetwork()
