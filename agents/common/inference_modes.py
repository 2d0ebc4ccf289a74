"""Where actions are computed: the `inference` and `central_sampling` fields
some agent configs (IMPALA, PPO) share, their checks, and the slots of a
worker. No TensorFlow: configs and TF-free environment workers import it.

  inference='actor'    each actor process runs its own copy of the policy
                       (the default).
  inference='central'  TF-free environment workers send observations to an
                       action server, which answers all of them from one
                       batched policy call (`agents.common.central_inference`,
                       `programs.nodes.action_server`).
  central_sampling='sync'         a worker steps all its environments, then
                                  waits for their actions.
  central_sampling='alternating'  a worker's environments are two halves;
                                  one steps while the other's actions are
                                  computed (Stooke & Abbeel 2018).
"""

from typing import Any, List

INFERENCE_MODES = ('actor', 'central')
SAMPLING_MODES = ('sync', 'alternating')


def check_config(config: Any, num_envs: int) -> None:
  """Checks `config.inference` and `config.central_sampling`.

  Args:
    config: has inference, central_sampling and lstm_size.
    num_envs: environments per actor (worker).

  Raises:
    ValueError: naming the field, its value and what is allowed.
  """
  name = type(config).__name__
  if config.inference not in INFERENCE_MODES:
    raise ValueError(f'{name}.inference={config.inference!r}; allowed: '
                     f'{", ".join(INFERENCE_MODES)}.')
  if config.central_sampling not in SAMPLING_MODES:
    raise ValueError(f'{name}.central_sampling={config.central_sampling!r};'
                     f' allowed: {", ".join(SAMPLING_MODES)}.')
  if config.inference != 'central':
    return
  if config.lstm_size:
    raise ValueError(f'{name}.inference=central serves feed-forward '
                     f'policies only; lstm_size={config.lstm_size} must be 0.')
  if config.central_sampling == 'alternating' and num_envs < 2:
    raise ValueError(f'{name}.central_sampling=alternating needs >= 2 '
                     f'environments per actor, not {num_envs}.')


def slot_sizes(num_envs: int, sampling: str) -> List[int]:
  """Environments in each slot of a worker with `num_envs` environments:
  one slot (sync) or two halves (alternating)."""
  if sampling == 'alternating':
    return [num_envs - num_envs // 2, num_envs // 2]
  return [num_envs]
