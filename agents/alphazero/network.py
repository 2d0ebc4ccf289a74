"""The policy/value network: Sonnet for the learner, the same function in
NumPy for actors and evaluators.

Search calls the network once per simulation on one position; a TF call
costs ~100 us of overhead, a NumPy forward of this MLP a few us, so actors
run the pulled weights in NumPy and import no TensorFlow
(benchmarks/alphazero.py measures both).

Weights travel as one flat list: for each torso layer w, b; then the policy
head's w, b; then the value head's w, b (`weights()` / NumpyNetwork).
"""

from typing import List, Sequence, Tuple

import numpy as np

NEG_INF = -1e9


def masked_softmax(logits: np.ndarray, legal: np.ndarray) -> np.ndarray:
  """Softmax over the legal entries of the last axis; 0 elsewhere."""
  logits = np.where(legal, logits, NEG_INF)
  logits = logits - logits.max(axis=-1, keepdims=True)
  exp = np.exp(logits) * legal
  return exp / exp.sum(axis=-1, keepdims=True)


class NumpyNetwork:
  """The network's forward pass on pulled weights."""

  def __init__(self, weights: Sequence[np.ndarray]):
    weights = [np.asarray(w, np.float32) for w in weights]
    self._torso = list(zip(weights[:-4:2], weights[1:-4:2]))
    self._policy = weights[-4], weights[-3]
    self._value = weights[-2], weights[-1]

  def __call__(self, observations: np.ndarray
               ) -> Tuple[np.ndarray, np.ndarray]:
    """Policy logits [B, A] and values [B] for observations [B, D]."""
    h = observations
    for w, b in self._torso:
      h = np.maximum(h @ w + b, 0.0)
    logits = h @ self._policy[0] + self._policy[1]
    value = np.tanh(h @ self._value[0] + self._value[1])[:, 0]
    return logits, value


def random_weights(observation_size: int, num_actions: int,
                   hidden_sizes: Sequence[int], seed: int
                   ) -> List[np.ndarray]:
  """Glorot-uniform weights, zero biases, in the travelling order: what an
  actor plays with before the learner's first weights arrive."""
  rng = np.random.default_rng(seed)
  sizes = [observation_size, *hidden_sizes]
  out = []
  for fan_in, fan_out in list(zip(sizes[:-1], sizes[1:])) + [
      (sizes[-1], num_actions), (sizes[-1], 1)]:
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    out += [rng.uniform(-limit, limit, (fan_in, fan_out)).astype(np.float32),
            np.zeros(fan_out, np.float32)]
  return out


def make_network(num_actions: int, hidden_sizes: Sequence[int]):
  """The Sonnet network (imports TensorFlow): call(observations) ->
  (logits, value); `weights()` in the travelling order."""
  import sonnet as snt  # pylint: disable=g-import-not-at-top
  import tensorflow as tf  # pylint: disable=g-import-not-at-top

  class PolicyValueNetwork(snt.Module):

    def __init__(self):
      super().__init__(name='policy_value')
      self._torso = [snt.Linear(h, name=f'torso_{i}')
                     for i, h in enumerate(hidden_sizes)]
      self._policy = snt.Linear(num_actions, name='policy')
      self._value = snt.Linear(1, name='value')

    def __call__(self, observations):
      h = observations
      for layer in self._torso:
        h = tf.nn.relu(layer(h))
      return self._policy(h), tf.tanh(self._value(h))[:, 0]

    def layers(self):
      return [*self._torso, self._policy, self._value]

    def weights(self) -> List[np.ndarray]:
      return [v.numpy() for layer in self.layers() for v in (layer.w,
                                                             layer.b)]

  return PolicyValueNetwork()
