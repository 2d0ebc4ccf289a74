"""Optimizers: the one reading of a config's optimizer fields, Sonnet's for
learners, and NumPy ones for parameter servers, which hold no TensorFlow.

The NumPy update rules are Sonnet's (`snt.optimizers.Adam`, `RMSProp`
without momentum or centering), so a parameter server applies what a learner
would have applied locally. State is one slot per variable, kept by the
owner.
"""

from typing import Any, Dict, List, Mapping, Optional, Sequence

import numpy as np

OPTIMIZERS = ('adam', 'rmsprop', 'sgd')


def options(config: Any) -> Dict[str, float]:
  """Keyword options of `config.optimizer` from the config's fields
  (`adam_epsilon`; `rmsprop_decay`, `rmsprop_epsilon`), for `Optimizer` and
  `make_sonnet_optimizer` alike."""
  if config.optimizer == 'adam':
    return {'epsilon': config.adam_epsilon}
  if config.optimizer == 'rmsprop':
    return {'decay': config.rmsprop_decay, 'epsilon': config.rmsprop_epsilon}
  return {}


def make_sonnet_optimizer(config: Any,
                          variables: Optional[Sequence[Any]] = None) -> Any:
  """A learner's `snt.Optimizer` from `config.optimizer`, `learning_rate`
  and `options(config)`; with `variables`, its slots are made now."""
  import sonnet as snt  # pylint: disable=g-import-not-at-top
  factories = {'adam': snt.optimizers.Adam, 'rmsprop': snt.optimizers.RMSProp,
               'sgd': snt.optimizers.SGD}
  optimizer = factories[config.optimizer](config.learning_rate,
                                          **options(config))
  if variables is not None and hasattr(optimizer, '_initialize'):  # Not SGD.
    optimizer._initialize(variables)  # pylint: disable=protected-access
  return optimizer


class Optimizer:
  """`apply(gradients, parameters)` updates `parameters` in place."""

  def __init__(self, name: str, learning_rate: float, *,
               beta1: float = 0.9, beta2: float = 0.999,
               epsilon: float = 1e-8, decay: float = 0.9):
    if name not in OPTIMIZERS:
      raise ValueError(f'optimizer={name!r}; allowed: {", ".join(OPTIMIZERS)}.')
    self.name = name
    self.learning_rate = learning_rate
    self._beta1, self._beta2 = beta1, beta2
    self._epsilon = epsilon
    self._decay = decay
    self._m: List[np.ndarray] = []
    self._v: List[np.ndarray] = []
    self.step = 0

  def save(self) -> Dict[str, Any]:
    """The slots and step count (acme's Saveable)."""
    return {'m': [m.copy() for m in self._m], 'v': [v.copy() for v in self._v],
            'step': self.step}

  def restore(self, state: Mapping[str, Any]) -> None:
    self._m = [np.array(m) for m in state['m']]
    self._v = [np.array(v) for v in state['v']]
    self.step = int(state['step'])

  def apply(self, gradients: Sequence[np.ndarray],
            parameters: Sequence[np.ndarray]) -> None:
    if len(gradients) != len(parameters):
      raise ValueError(f'{len(gradients)} gradients for {len(parameters)} '
                       'parameters.')
    if not self._m:
      self._m = [np.zeros_like(p) for p in parameters]
      self._v = [np.zeros_like(p) for p in parameters]
    self.step += 1
    lr = self.learning_rate
    for g, p, m, v in zip(gradients, parameters, self._m, self._v):
      g = np.asarray(g, p.dtype)
      if self.name == 'sgd':
        p -= lr * g
      elif self.name == 'rmsprop':
        v *= self._decay
        v += (1 - self._decay) * g * g
        p -= lr * g / np.sqrt(v + self._epsilon)
      else:  # Adam with bias correction, as snt.optimizers.Adam.
        m *= self._beta1
        m += (1 - self._beta1) * g
        v *= self._beta2
        v += (1 - self._beta2) * g * g
        m_hat = m / (1 - self._beta1 ** self.step)
        v_hat = v / (1 - self._beta2 ** self.step)
        p -= lr * m_hat / (np.sqrt(v_hat) + self._epsilon)
