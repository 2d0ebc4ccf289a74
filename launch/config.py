"""LaunchConfig: which program, which environment, how many nodes, which
budget, which resources per node group, which launch type.

A launch config file is JSON with the same field names, e.g.

  {"program": "impala", "environment": "catch", "num_actors": 2,
   "max_seconds": 120, "hparams": {"learning_rate": 0.002},
   "resources": {"learner": {"env": {"CUDA_VISIBLE_DEVICES": "0"}},
                 "actor": {"env": {"CUDA_VISIBLE_DEVICES": ""}}}}

A multi_host launch adds "launch_type": "multi_host" and a "cluster"
section (hosts, placement of groups on hosts, ports): launch/cluster.py.

Everything is checked by `build`, before any process starts; errors name the
field, its value and the allowed values.
"""

import dataclasses
import json
import re
import typing
from typing import Any, Dict, Mapping, Optional, Tuple

from agents.common import environments
from launch import cluster as cluster_lib
from launch import colocation
from launch import presets
from programs.nodes import budget as budget_lib
from programs.nodes import devices
import programs

LAUNCH_TYPES = ('local_mp', 'local_mt', 'test_mt', 'multi_host', 'vertex_ai')
# Launch types whose nodes are processes started by this launcher.
PROCESS_LAUNCH_TYPES = ('local_mp', 'multi_host')
RESOURCE_KEYS = ('env',)


@dataclasses.dataclass(frozen=True)
class LaunchConfig:
  """One launch; field names are the CLI flags and the JSON keys."""

  program: str = 'impala'
  environment: str = 'catch'
  num_actors: int = 2
  launch_type: str = 'local_mp'
  max_seconds: Optional[float] = None
  max_actor_steps: Optional[int] = None
  max_learner_steps: Optional[int] = None
  # Stop once an evaluator round's mean return reaches this.
  target_return: Optional[float] = None
  seed: int = 0
  logdir: Optional[str] = None
  # Run local launches in a private network namespace (see isolation.py).
  isolate_network: bool = True
  # Agent hyperparameters by name, overriding the config class's defaults.
  hparams: Mapping[str, Any] = dataclasses.field(default_factory=dict)
  # Sets of node groups, each run as threads of one process (local_mp),
  # e.g. [["replay", "learner", "counter", "variable_server", "evaluator"],
  # ["actor"]]: fewer TensorFlow processes, less memory and start-up; see
  # colocation.py. CLI: --colocate=replay+learner+counter,actor.
  colocate: Tuple[Tuple[str, ...], ...] = ()
  # Per node group, for local_mp and multi_host: {"env": {VAR: value}}.
  resources: Mapping[str, Mapping[str, Any]] = dataclasses.field(
      default_factory=dict)
  # multi_host: hosts, placement and ports (launch/cluster.py).
  cluster: Mapping[str, Any] = dataclasses.field(default_factory=dict)
  # vertex_ai: project, region, bucket, image (launch/vertex_ai.py).
  vertex_ai: Mapping[str, Any] = dataclasses.field(default_factory=dict)

  @classmethod
  def from_file(cls, path: str, **overrides: Any) -> 'LaunchConfig':
    """Reads a JSON launch config; `overrides` (e.g. from flags) win.

    Raises:
      ValueError: malformed JSON or an unknown field, naming the file and
        line (`path:line:column:` as compilers do, so editors jump there).
    """
    with open(path) as f:
      text = f.read()
    try:
      values = json.loads(text)
    except json.JSONDecodeError as e:
      raise ValueError(f'{path}:{e.lineno}:{e.colno}: malformed JSON: '
                       f'{e.msg}.\n{_pointer(text, e.lineno, e.colno)}'
                       ) from None
    if not isinstance(values, dict):
      raise ValueError(f'{path}:1:1: a launch config must hold a JSON object '
                       f'({{"program": ..., ...}}), not {type(values).__name__}.')
    allowed = [f.name for f in dataclasses.fields(cls)]
    unknown = sorted(set(values) - set(allowed))
    if unknown:
      line, column = _key_position(text, unknown[0])
      raise ValueError(
          f'{path}:{line}:{column}: unknown field(s) {unknown}; allowed: '
          f'{", ".join(allowed)}.\n{_pointer(text, line, column)}')
    values.update(overrides)
    return cls(**values)


def _key_position(text: str, key: str) -> Tuple[int, int]:
  """(line, column), 1-based, of the first `"key"` followed by a colon in
  `text`; (1, 1) if not found."""
  match = re.search(r'"' + re.escape(key) + r'"\s*:', text)
  if match is None:
    return 1, 1
  before = text[:match.start()]
  return before.count('\n') + 1, match.start() - before.rfind('\n')


def _pointer(text: str, line: int, column: int) -> str:
  """The line of `text` and a caret under `column`, indented."""
  lines = text.splitlines() or ['']
  source = lines[min(line, len(lines)) - 1]
  return f'    {source}\n    {" " * (column - 1)}^'


@dataclasses.dataclass(frozen=True)
class Built:
  """A checked launch, ready for `lp.launch`."""

  program: Any  # lp.Program
  agent_config: Any
  budget: budget_lib.Budget
  local_resources: Dict[str, Any]
  resolved: Dict[str, Any]  # Everything, as written to config.json.
  # multi_host: where each node runs (launch/cluster.py); else None.
  assignment: Optional[cluster_lib.Assignment] = None


def parse_value(field_type: Any, text: str) -> Any:
  """Parses `text` as a value of the dataclass field type `field_type`."""
  if field_type is bool:
    if text.lower() in ('true', '1', 'yes'):
      return True
    if text.lower() in ('false', '0', 'no'):
      return False
    raise ValueError(f'{text!r} is not a bool (true/false)')
  if field_type in (int, float, str):
    return field_type(text)
  if typing.get_origin(field_type) is tuple:
    item_type = typing.get_args(field_type)[0]
    return tuple(item_type(x) for x in text.strip('()[] ').split(',') if x)
  raise ValueError(f'no parser for {field_type}')


def make_agent_config(config_class: Any, hparams: Mapping[str, Any]) -> Any:
  """`config_class` with `hparams` (values or strings) applied and checked.

  Raises:
    ValueError: unknown name (lists the known ones), unparsable value, or a
      value the config's own checks reject.
  """
  hints = typing.get_type_hints(config_class)
  fields = [f.name for f in dataclasses.fields(config_class)]
  values = {}
  for name, value in hparams.items():
    if name not in fields:
      raise ValueError(f'Unknown hyperparameter {name!r} for '
                       f'{config_class.__name__}; known: {", ".join(fields)}.')
    if isinstance(value, str) and hints[name] is not str:
      try:
        value = parse_value(hints[name], value)
      except ValueError as e:
        raise ValueError(f'{config_class.__name__}.{name}: {e}.') from None
    elif isinstance(value, list):
      value = tuple(value)
    values[name] = value
  return config_class(**values)


def build(launch: LaunchConfig,
          start_time: Optional[float] = None) -> Built:
  """Checks `launch` and builds its program; starts no process.

  Raises:
    ValueError: naming the field, its value and what is allowed.
  """
  if launch.program not in programs.PROGRAMS:
    raise ValueError(f'program={launch.program!r}; known programs: '
                     f'{", ".join(sorted(programs.PROGRAMS))}.')
  if launch.launch_type not in LAUNCH_TYPES:
    raise ValueError(f'launch_type={launch.launch_type!r}; allowed: '
                     f'{", ".join(LAUNCH_TYPES)}.')
  if not isinstance(launch.num_actors, int) or launch.num_actors < 1:
    raise ValueError(f'num_actors={launch.num_actors!r} must be an int >= 1.')
  environments.validate_name(launch.environment)
  budget = budget_lib.Budget(max_seconds=launch.max_seconds,
                             max_actor_steps=launch.max_actor_steps,
                             max_learner_steps=launch.max_learner_steps,
                             target_return=launch.target_return)
  if launch.vertex_ai and launch.launch_type != 'vertex_ai':
    raise ValueError(f'vertex_ai is set but launch_type='
                     f'{launch.launch_type!r}; it applies to vertex_ai only.')
  if launch.launch_type == 'vertex_ai':
    from launch import vertex_ai  # pylint: disable=g-import-not-at-top
    vertex_ai.validate_settings(launch.vertex_ai)
    if launch.logdir:
      raise ValueError('logdir is set but launch_type=vertex_ai: each node '
                       "would write to its own machine's disk; leave it out.")
    if launch.colocate:
      raise ValueError('colocate is set but launch_type=vertex_ai, which '
                       'allows one port per node (one node per machine).')
  make_program, config_class = programs.PROGRAMS[launch.program]
  # The task's preset first (launch/presets.py); what was given wins.
  hparams = {**presets.preset(launch.program, launch.environment),
             **launch.hparams}
  hparams.setdefault('seed', launch.seed)
  agent_config = make_agent_config(config_class, hparams)
  program = make_program(agent_config, launch.environment,
                         num_actors=launch.num_actors, budget=budget,
                         logdir=launch.logdir, start_time=start_time)
  if launch.cluster and launch.launch_type != 'multi_host':
    raise ValueError(f'cluster is set but launch_type='
                     f'{launch.launch_type!r}; it applies to multi_host only.')
  cluster = (cluster_lib.Cluster.from_section(launch.cluster)
             if launch.launch_type == 'multi_host' else None)
  if launch.colocate:
    if launch.launch_type not in PROCESS_LAUNCH_TYPES:
      raise ValueError(f'colocate={launch.colocate} but launch_type='
                       f'{launch.launch_type!r}; colocation applies to '
                       'local_mp and multi_host only (threaded launches '
                       'share one process already).')
    program = colocation.colocate(
        program, [tuple(groups) for groups in launch.colocate])
  assignment = None
  if cluster is not None:
    assignment = cluster_lib.assign(cluster, program.groups, launch.program)
  if launch.launch_type == 'vertex_ai':
    vertex_ai.validate_resources(launch.resources, tuple(program.groups))
    vertex_ai.worker_pools(  # Refuses more pools than Vertex AI allows.
        [(g, len(n)) for g, n in program.groups.items()], launch.resources)
    local_resources = {}
  else:
    local_resources = _local_resources(launch, tuple(program.groups))
  resolved = dataclasses.asdict(launch)
  resolved['hparams'] = dataclasses.asdict(agent_config)
  return Built(program, agent_config, budget, local_resources, resolved,
               assignment)


def _local_resources(launch: LaunchConfig,
                     groups: Tuple[str, ...]) -> Dict[str, Any]:
  """Launchpad's PythonProcess per group, for the process launch types:
  `launch.resources` plus GPUs hidden from every group but the learner's
  (programs/nodes/devices.py)."""
  if launch.resources and launch.launch_type not in PROCESS_LAUNCH_TYPES:
    raise ValueError(f'resources are set for groups {sorted(launch.resources)}'
                     f' but launch_type={launch.launch_type!r}; per-group '
                     'resources apply to local_mp and multi_host only.')
  for group, resource in launch.resources.items():
    if group not in groups:
      raise ValueError(f'resources name group {group!r}, which program '
                       f'{launch.program!r} lacks; its groups: '
                       f'{", ".join(groups)}.')
    unknown = set(resource) - set(RESOURCE_KEYS)
    if unknown:
      raise ValueError(f'resources[{group!r}] has unknown key(s) '
                       f'{sorted(unknown)}; allowed: {", ".join(RESOURCE_KEYS)}.')
  if launch.launch_type not in PROCESS_LAUNCH_TYPES:
    return {}
  # Launchpad 0.5.2 does not export PythonProcess from `lp`.
  from launchpad.nodes.python import local_multi_processing  # pylint: disable=g-import-not-at-top
  out = {}
  for group in groups:
    env = {str(k): str(v) for k, v in
           launch.resources.get(group, {}).get('env', {}).items()}
    out[group] = local_multi_processing.PythonProcess(
        env=devices.node_env(group, env))
  return out
