"""Ape-X DPG (Horgan et al. 2018) as a Launchpad program, with D4PG's
categorical critic (Barth-Maron et al. 2018) as a config switch.

  actor x N --transitions + initial priorities--> replay (prioritized)
     ^  (actor i explores with noise scale s_i)       |        ^
     |                                    batches     v        | priorities
     |                                            learner -----+
     +-------------- variable_server <--- get_variables ---+
  evaluator (no noise) <-- variable_server     counter (+ budget) <-- everyone

Ape-X's graph (`programs.apex`) with the DPG core: actor i of N adds
Gaussian noise of scale s_i from a geometric ladder (ApexDPGConfig),
computes the initial priorities of its transitions with its own policy and
critic and inserts them in batches; the learner updates critic and policy
on importance-weighted batches and writes priorities back. The evaluator
plays the policy without noise and reports the mean return of whole
episodes. Node code: `programs.nodes`; maths: `agents.dpg`.
"""

import functools
import time
from typing import Any, Dict, Optional

import launchpad as lp

from agents.common import environments
from agents.dpg import config as config_lib
from agents.dpg import exploration
from programs.nodes import actor_runner
from programs.nodes import budget as budget_lib
from programs.nodes import checkpoints
from programs.nodes import counter as counter_lib
from programs.nodes import evaluator as evaluator_lib
from programs.nodes import learner_runner
from programs.nodes import lifecycle
from programs.nodes import loggers
from programs.nodes import replay as replay_lib
from programs.nodes import variable_server as variable_server_lib

VARIABLE_NAMES = ('policy', 'critic')  # agents.dpg.VARIABLE_NAMES, no TF.
REPLAY_TABLE = 'replay'  # agents.dpg.REPLAY_TABLE, without TF.


def make_actor(environment: Any, variable_source: Any, replay: Any = None,
               should_stop: Any = None, *, config: config_lib.DPGConfig,
               seed: int, noise_scale: float) -> Any:
  """A DPG actor for `environment`; records transitions if `replay`."""
  from agents import dpg  # pylint: disable=g-import-not-at-top
  return dpg.DPGActor(noise_scale=noise_scale, seed=seed,
                      **dpg.actor_parts(environment, variable_source, replay,
                                        should_stop, config=config))


def learner_reporting(replay: Any, counter: Any, *,
                      config: config_lib.DPGConfig, logdir: Optional[str],
                      start_time: float, log: bool = True) -> Dict[str, Any]:
  """A DPG learner's counter client and, if `log`, its logger (with the
  table's rates)."""
  counter = counter_lib.CounterClient(counter)
  logger = None
  if log:
    logger = loggers.learner_logger(
        counter, logdir=logdir, start_time=start_time,
        period_seconds=config.log_period_seconds, replay=replay,
        table=REPLAY_TABLE)
  return dict(counter=counter, logger=logger)


def make_learner(replay: Any, counter: Any, *, config: config_lib.DPGConfig,
                 environment_name: str, **logs: Any) -> Any:
  """The DPG learner, sampling from the replay table."""
  from agents import dpg  # pylint: disable=g-import-not-at-top
  return dpg.DPGLearner(
      **learner_reporting(replay, counter, config=config, **logs),
      **dpg.learner_parts(replay, config=config,
                          environment_name=environment_name,
                          on_wait=lifecycle.check_stop))


def replay_tables(spec: Dict[str, Any], config: config_lib.DPGConfig) -> Any:
  from agents import dpg  # pylint: disable=g-import-not-at-top
  return [dpg.replay_table(spec, config)]


def make_program(config: config_lib.ApexDPGConfig, environment_name: str, *,
                 num_actors: int, budget: budget_lib.Budget,
                 logdir: Optional[str] = None,
                 start_time: Optional[float] = None) -> lp.Program:
  """The Ape-X DPG program graph, for a local launch (threads or processes).

  Args: as `programs.impala.make_program`.

  Raises:
    ValueError: bad environment, num_actors < 1, discrete actions.
  """
  if num_actors < 1:
    raise ValueError(f'num_actors={num_actors} must be >= 1.')
  spec = environments.check_continuous(environment_name, 'apex_dpg')
  start_time = time.time() if start_time is None else start_time
  seeds = [environments.actor_seed(config.seed, i)
           for i in range(num_actors + 1)]  # The last: the evaluator's.
  noise_scales = exploration.noise_ladder(num_actors, config.noise_scale,
                                          config.noise_scale_min)
  logs = dict(logdir=logdir, start_time=start_time)
  # Stateful nodes restore from and save to <logdir>/checkpoints.
  saves = checkpoints.schedule(logdir, config.checkpoint_period_seconds)
  program = lp.Program('apex_dpg')

  with program.group('counter'):
    counter = program.add_node(counter_lib.build_counter(
        budget, start_time, checkpoint=saves))
  with program.group('replay'):
    replay = program.add_node(replay_lib.build_replay(functools.partial(
        replay_tables, spec, config), checkpoint=saves))
  with program.group('learner'):
    learner = program.add_node(learner_runner.build_learner(
        functools.partial(make_learner, config=config,
                          environment_name=environment_name, **logs),
        checkpoint=saves, replay=replay, counter=counter))
  with program.group('variable_server'):
    variable_server = program.add_node(
        variable_server_lib.build_variable_server(
            learner, VARIABLE_NAMES, config.variable_refresh_seconds))
  with program.group('actor'):
    for i in range(num_actors):
      program.add_node(actor_runner.build_actor(
          functools.partial(make_actor, config=config, seed=seeds[i],
                            noise_scale=noise_scales[i]),
          environment_name=environment_name,
          num_envs=config.envs_per_actor, seed=seeds[i],
          variable_source=variable_server, replay=replay, counter=counter,
          log_period_seconds=config.log_period_seconds, log=i == 0, **logs))
  with program.group('evaluator'):
    program.add_node(evaluator_lib.build_evaluator(
        functools.partial(make_actor, config=config, seed=seeds[-1],
                          noise_scale=0.0),
        environment_name=environment_name,
        num_episodes=config.eval_episodes, seed=seeds[-1],
        variable_source=variable_server, counter=counter,
        period_seconds=config.eval_period_seconds, budget=budget, **logs))
  return program
