"""What the DPG programs' actors and learners are built from, given the
handles a program gives them: networks, the replay writer or dataset, the
priority writer, the variable client; and the replay table.

The replay-family machinery is the DQN family's: transitions
(`agents.dqn.transitions`, float actions), the table preset
(`agents.common.replay_tables`), the writers and the variable client.
"""

from typing import Any, Callable, Dict, Optional

import reverb

from agents.common import environments
from agents.common import replay_datasets
from agents.common import replay_samples
from agents.common import replay_writers
from agents.common import variable_client as variable_client_lib
from agents.dpg import config as config_lib
from agents.dpg import networks
from agents.dqn import transitions


def replay_table(spec: Dict[str, Any], config: config_lib.DPGConfig,
                 name: str = transitions.REPLAY_TABLE) -> reverb.Table:
  """The table of n-step transitions with float actions, for an
  `environments.environment_spec`."""
  return transitions.replay_table(spec['observation_shape'], config, name,
                                  action_shape=spec['action_shape'])


def _networks(spec: Dict[str, Any], config: config_lib.DPGConfig):
  return networks.make_networks(spec['observation_shape'],
                                spec['action_minimum'],
                                spec['action_maximum'], config)


def actor_parts(environment: Any, variable_source: Any,
                replay: Optional[Any],
                should_stop: Optional[Callable[[], bool]], *,
                config: config_lib.DPGConfig) -> Dict[str, Any]:
  """The keyword arguments of DPGActor but noise_scale and seed.

  Args:
    environment: the batched environment (observation_shape, bounds).
    variable_source: has get_variables(VARIABLE_NAMES).
    replay: a Reverb client, or None (evaluation: records nothing).
    should_stop: bounds the writer's waits on a full table.
    config: the agent's config.
  """
  policy, critic = networks.make_networks(
      environment.observation_shape, environment.action_minimum,
      environment.action_maximum, config)
  # The critic only where it gives initial priorities (Ape-X DPG's actors).
  wanted = {'policy': policy.variables}
  if replay is not None and config.prioritized:
    wanted['critic'] = critic.variables
  else:
    critic = None
  variable_client = variable_client_lib.VariableClient(
      variable_source, wanted,
      update_period=max(1, config.variable_update_period //
                        config.envs_per_actor))
  writer = None
  if replay is not None:
    writer = replay_writers.ItemWriter(replay, transitions.REPLAY_TABLE,
                                       should_stop or (lambda: False))
  return dict(policy=policy, critic=critic, num_envs=environment.num_envs,
              observation_shape=environment.observation_shape,
              action_minimum=environment.action_minimum,
              action_maximum=environment.action_maximum, config=config,
              writer=writer, variable_client=variable_client,
              environment=environment)


def learner_parts(replay: Any, *, config: config_lib.DPGConfig,
                  environment_name: str,
                  table: str = transitions.REPLAY_TABLE,
                  on_wait: Optional[Callable[[], None]] = None
                  ) -> Dict[str, Any]:
  """The keyword arguments of DPGLearner but counter and logger: the four
  networks, the iterator over `table` and the priority writer (None
  unless prioritized); `on_wait` as
  `agents.common.replay_datasets.make_dataset`'s."""
  spec = environments.environment_spec(environment_name)
  policy, critic = _networks(spec, config)
  target_policy, target_critic = _networks(spec, config)
  dataset = replay_datasets.make_dataset(
      replay.server_address, table, config.batch_size, on_wait=on_wait)
  priority_writer = None
  if config.prioritized:
    priority_writer = replay_samples.PriorityWriter(replay, table)
  return dict(policy=policy, critic=critic, target_policy=target_policy,
              target_critic=target_critic, iterator=iter(dataset),
              config=config, priority_writer=priority_writer)


