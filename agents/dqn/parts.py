"""What every replay-family actor and learner is built from (DQN, Ape-X,
Gorila, R2D2), given the handles a program gives them: networks, the replay
writer or dataset, the priority writer, the variable client, exploration.

`agent` is the agent package whose networks and table are used
(`agents.dqn` or `agents.r2d2`: make_network, REPLAY_TABLE).
"""

import functools
from typing import Any, Callable, Dict, Optional, Union

from agents.common import environments
from agents.common import replay_datasets
from agents.common import replay_samples
from agents.common import replay_writers
from agents.common import variable_client as variable_client_lib
from agents.dqn import config as config_lib
from agents.dqn import exploration

VARIABLE_NAMES = ('network',)  # What learners serve and actors read.


def actor_update_period(config: config_lib.DQNConfig) -> int:
  """variable_update_period (environment steps) in batched actor steps."""
  return max(1, config.variable_update_period // config.envs_per_actor)


def actor_parts(agent: Any, environment: Any, variable_source: Any,
                replay: Optional[Any],
                should_stop: Optional[Callable[[], bool]], *,
                config: config_lib.DQNConfig,
                epsilon: Union[float, str]) -> Dict[str, Any]:
  """network, writer (None without `replay`), variable_client, epsilon.

  Args:
    agent: the agent package.
    environment: the batched environment (observation_shape, num_actions).
    variable_source: has get_variables(VARIABLE_NAMES).
    replay: a Reverb client, or None (evaluation: records nothing).
    should_stop: bounds the writer's waits on a full table.
    config: the agent's config.
    epsilon: a fixed exploration rate, or exploration.LINEAR.
  """
  network = agent.make_network(environment.observation_shape,
                               environment.num_actions, config)
  variable_client = variable_client_lib.VariableClient(
      variable_source, {VARIABLE_NAMES[0]: network.variables},
      update_period=actor_update_period(config))
  writer = None
  if replay is not None:
    writer = replay_writers.ItemWriter(replay, agent.REPLAY_TABLE,
                                       should_stop or (lambda: False))
  return dict(network=network, writer=writer,
              variable_client=variable_client,
              epsilon=exploration.resolve(epsilon, config))


def learner_parts(agent: Any, replay: Any, *, config: config_lib.DQNConfig,
                  environment_name: str,
                  on_wait: Optional[Callable[[], None]] = None
                  ) -> Dict[str, Any]:
  """network, target_network, iterator (over replay's table) and
  priority_writer (None unless prioritized), for `agent`'s learner;
  `on_wait` as `agents.common.replay_datasets.make_dataset`'s."""
  spec = environments.environment_spec(environment_name)
  make = functools.partial(agent.make_network, spec['observation_shape'],
                           spec['num_actions'], config)
  dataset = replay_datasets.make_dataset(
      replay.server_address, agent.REPLAY_TABLE, config.batch_size,
      on_wait=on_wait)
  priority_writer = None
  if config.prioritized:
    priority_writer = replay_samples.PriorityWriter(replay,
                                                    agent.REPLAY_TABLE)
  return dict(network=make(), target_network=make(), iterator=iter(dataset),
              config=config, priority_writer=priority_writer)
