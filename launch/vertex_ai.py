"""Vertex AI launch (`launch_type: "vertex_ai"`): the program's nodes as the
replicas of one Vertex AI custom job, through Launchpad's XManager launcher.

Launchpad 0.5.2 (`launchpad/launch/xm_docker/launch.py`) gives every node
its own machine: it groups the node groups whose Launchpad `DockerConfig`s
are equal (here: equal machine type and accelerator) into one worker pool,
puts a pool of exactly one node first (Vertex AI wants one replica in
`workerpool0`; if no pool has one node it splits the first node off), allows
at most 4 pools, pickles each pool's node functions into a `job.pkl` beside
a copy of the code, and has XManager build one image per pool, push it and
start the job. A node finds the others through Vertex AI's CLUSTER_SPEC
(`workerpool1-0:2222`); `lp.stop()` in a node cancels the job.

This module adds, before any of that runs:
- per-group resources from the launch config (`RESOURCE_KEYS`): a machine
  type from XManager's Vertex AI table, a GPU type and count; only groups
  given a GPU get one, every other node runs with CUDA_VISIBLE_DEVICES="";
- the image: the steps of a Dockerfile in the repository (default
  docker/Dockerfile: python:3.10, `pip install --no-deps` of py310.lock and
  xmanager.lock, then the project) instead of Launchpad's generated ones,
  which `pip install` the newest xmanager (protobuf >= 3.20, TensorFlow 2.8
  needs 3.19) and resolve requirements.txt with dependencies (py310.lock's
  dm-acme 0.4.0 declares dm-launchpad==0.5.0, so pip refuses it);
- the settings section (`SETTINGS_KEYS`): project, region, bucket, image;
- `missing_requirements()`: what to install or set before anything is built.

XManager is an optional extra (`make install-xmanager`,
requirements/xmanager.lock); this module imports it only in `launch` and
`missing_requirements`, and `launch` takes the `xm` and `xm_local` modules
as arguments so that tests run it against a recording stand-in.
"""

import contextlib
import dataclasses
import functools
import importlib
import os
import posixpath
import re
import shutil
import signal
import sys
import tempfile
import types
from typing import (Any, Callable, Dict, Iterator, List, Mapping, Optional,
                    Sequence, Tuple)

from launch import local_mp
from programs.nodes import devices

REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Per-group keys of a launch config's `resources` for vertex_ai.
RESOURCE_KEYS = ('env', 'machine_type', 'accelerator', 'accelerator_count')
# XManager 0.3.0's Vertex AI machine table (xmanager/cloud/vertex.py,
# _MACHINE_TYPE_TO_CPU_RAM): vCPUs, GiB. XManager picks the machine type
# from the requirements' cpu and ram (the smallest that fits), so a type
# named here is asked for as its own (cpu, ram), which maps back to it.
MACHINE_TYPES = {
    'n1-standard-4': (4, 15), 'n1-standard-8': (8, 30),
    'n1-standard-16': (16, 60), 'n1-standard-32': (32, 120),
    'n1-standard-64': (64, 240), 'n1-standard-96': (96, 360),
    'n1-highmem-2': (2, 13), 'n1-highmem-4': (4, 26),
    'n1-highmem-8': (8, 52), 'n1-highmem-16': (16, 104),
    'n1-highmem-32': (32, 208), 'n1-highmem-64': (64, 416),
    'n1-highmem-96': (96, 624), 'n1-highcpu-16': (16, 14),
    'n1-highcpu-32': (32, 28), 'n1-highcpu-64': (64, 57),
    'n1-highcpu-96': (96, 86),
}
# What XManager asks for when a group names no machine type.
DEFAULT_MACHINE_TYPE = 'n1-standard-4'
# GPUs as XManager names them (xm.GpuType; Vertex AI: NVIDIA_TESLA_<NAME>).
# TPUs (xm.TpuType) are left out: no learner here runs a TPU strategy.
ACCELERATORS = ('p4', 't4', 'p100', 'v100', 'a100')
# GPUs per machine Vertex AI offers; an A100 machine is chosen by XManager
# from the count (a2-highgpu-1g ... a2-megagpu-16g), not by machine_type.
ACCELERATOR_COUNTS = (1, 2, 4, 8)
A100_COUNTS = (1, 2, 4, 8, 16)
_A100_MACHINE_TYPES = {1: 'a2-highgpu-1g', 2: 'a2-highgpu-2g',
                       4: 'a2-highgpu-4g', 8: 'a2-highgpu-8g',
                       16: 'a2-megagpu-16g'}
MAX_WORKER_POOLS = 4  # Vertex AI's limit.

# Keys of the launch config's "vertex_ai" section.
SETTINGS_KEYS = ('project', 'region', 'bucket', 'image', 'build_image_locally')
DEFAULT_REGION = 'us-central1'
DEFAULT_IMAGE = 'docker/Dockerfile'
_PROJECT_PATTERN = re.compile(r'[a-z][a-z0-9-]{4,28}[a-z0-9]')
_REGION_PATTERN = re.compile(r'[a-z]+-[a-z]+[0-9]+')
_BUCKET_PATTERN = re.compile(r'[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]')
_LAUNCHPAD_IMAGE_WHY = (
    "Launchpad's generated image cannot install this project: it runs `pip "
    'install xmanager` (the newest, whose protobuf code needs protobuf >= '
    '3.20; TensorFlow 2.8 needs 3.19) and `pip install -r requirements.txt` '
    "with dependencies, which refuses py310.lock (dm-acme 0.4.0 declares "
    'dm-launchpad==0.5.0; the lock pins 0.5.2 and installs with --no-deps)')

# What the image's build context holds: the repository minus tests,
# benchmarks, logs and .venv. Launchpad copies it beside each pool's job.pkl.
STAGED_PATHS = ('setup.py', 'requirements', 'agents', 'programs', 'launch',
                'docker')
_LOCK = 'requirements/py310.lock'
_XM_INSTALL = ('`make install-xmanager` (pip install --no-deps -r '
               'requirements/xmanager.lock into .venv)')
_ADC_HELP = ('set GOOGLE_APPLICATION_CREDENTIALS to a service account key '
             'file, or run `gcloud auth application-default login`')
# Launchpad's modules that import XManager at import time.
_LAUNCHPAD_XM_MODULES = ('launchpad.nodes.python.xm_docker',
                         'launchpad.launch.xm_docker.launch')


@dataclasses.dataclass(frozen=True)
class Hardware:
  """What one node's machine has; groups with equal Hardware share a pool."""

  machine_type: str
  accelerator: Optional[str] = None
  accelerator_count: int = 0

  def __str__(self) -> str:
    if self.accelerator:
      return (f'{self.machine_type} with {self.accelerator_count} x '
              f'{self.accelerator}')
    return self.machine_type


@dataclasses.dataclass(frozen=True)
class WorkerPool:
  """One worker pool of the Vertex AI job: its nodes, group by group."""

  name: str  # 'workerpool0' ...
  groups: Tuple[Tuple[str, int], ...]  # (group, nodes) in launch order
  hardware: Hardware

  @property
  def replicas(self) -> int:
    return sum(count for _, count in self.groups)

  def __str__(self) -> str:
    nodes = ', '.join(f'{group} x{count}' for group, count in self.groups)
    return f'{self.name}: {nodes} on {self.hardware}'


def validate_resources(resources: Mapping[str, Mapping[str, Any]],
                       groups: Tuple[str, ...]) -> None:
  """Checks a launch config's `resources` for vertex_ai.

  Args:
    resources: group -> {"env": {VAR: value}, "machine_type": ...,
      "accelerator": ..., "accelerator_count": ...}.
    groups: the program's node groups.

  Raises:
    ValueError: naming the group, the key, its value and what is allowed.
  """
  for group, resource in resources.items():
    if group not in groups:
      raise ValueError(f'resources name group {group!r}, which the program '
                       f'lacks; its groups: {", ".join(groups)}.')
    if not isinstance(resource, Mapping):
      raise ValueError(f'resources[{group!r}]={resource!r} must be an object '
                       f'with keys from: {", ".join(RESOURCE_KEYS)}.')
    unknown = set(resource) - set(RESOURCE_KEYS)
    if unknown:
      raise ValueError(f'resources[{group!r}] has unknown key(s) '
                       f'{sorted(unknown)}; allowed for vertex_ai: '
                       f'{", ".join(RESOURCE_KEYS)}.')
    env = resource.get('env', {})
    if not isinstance(env, Mapping):
      raise ValueError(f'resources[{group!r}].env={env!r} must map variable '
                       'names to values.')
    machine_type = resource.get('machine_type')
    if machine_type is not None and machine_type not in MACHINE_TYPES:
      raise ValueError(f'resources[{group!r}].machine_type={machine_type!r}; '
                       f'allowed: {", ".join(MACHINE_TYPES)}.')
    accelerator = resource.get('accelerator')
    if accelerator is not None and (
        not isinstance(accelerator, str) or
        accelerator.lower() not in ACCELERATORS):
      raise ValueError(f'resources[{group!r}].accelerator={accelerator!r}; '
                       f'allowed (XManager GPU names): '
                       f'{", ".join(ACCELERATORS)}.')
    if 'accelerator_count' in resource:
      count = resource['accelerator_count']
      if accelerator is None:
        raise ValueError(f'resources[{group!r}].accelerator_count={count!r} '
                         'without an accelerator; add "accelerator": one of '
                         f'{", ".join(ACCELERATORS)}.')
      allowed = A100_COUNTS if accelerator.lower() == 'a100' else (
          ACCELERATOR_COUNTS)
      if (not isinstance(count, int) or isinstance(count, bool) or
          count not in allowed):
        raise ValueError(f'resources[{group!r}].accelerator_count={count!r} '
                         f'for {accelerator.lower()}; allowed: '
                         f'{", ".join(map(str, allowed))}.')
    if (accelerator is not None and accelerator.lower() == 'a100' and
        machine_type is not None):
      raise ValueError(f'resources[{group!r}].machine_type={machine_type!r} '
                       'with accelerator a100: XManager puts A100s on '
                       'a2-highgpu machines chosen by accelerator_count; '
                       'drop machine_type.')


def validate_settings(section: Mapping[str, Any]) -> None:
  """Checks the launch config's "vertex_ai" section.

  {"project": "my-project", "region": "us-central1", "bucket": "my-bucket",
   "image": "docker/Dockerfile", "build_image_locally": true}; project and
  bucket are required, the rest have the defaults shown.

  Raises:
    ValueError: naming the key, its value and what is allowed.
  """
  if not isinstance(section, Mapping):
    raise ValueError(f'vertex_ai={section!r} must be an object with keys '
                     f'from: {", ".join(SETTINGS_KEYS)}.')
  unknown = set(section) - set(SETTINGS_KEYS)
  if unknown:
    raise ValueError(f'vertex_ai has unknown key(s) {sorted(unknown)}; '
                     f'allowed: {", ".join(SETTINGS_KEYS)}.')
  for key in ('project', 'bucket'):
    if key not in section:
      raise ValueError(f'vertex_ai.{key} is missing: the launch needs the '
                       'Google Cloud project and a Cloud Storage bucket '
                       '(staging for the job), e.g. "vertex_ai": {"project": '
                       '"my-project", "bucket": "my-bucket"}.')
  project = section['project']
  if not isinstance(project, str) or not _PROJECT_PATTERN.fullmatch(project):
    raise ValueError(f'vertex_ai.project={project!r} is not a Google Cloud '
                     'project id (6-30 lowercase letters, digits, hyphens; '
                     'starts with a letter).')
  bucket = section['bucket']
  if isinstance(bucket, str) and bucket.startswith('gs://'):
    raise ValueError(f'vertex_ai.bucket={bucket!r}: give the bucket name '
                     f'without gs:// ({bucket[5:]!r}).')
  if not isinstance(bucket, str) or not _BUCKET_PATTERN.fullmatch(bucket):
    raise ValueError(f'vertex_ai.bucket={bucket!r} is not a Cloud Storage '
                     'bucket name (3-222 lowercase letters, digits, . _ -).')
  region = section.get('region', DEFAULT_REGION)
  if not isinstance(region, str) or not _REGION_PATTERN.fullmatch(region):
    raise ValueError(f'vertex_ai.region={region!r} is not a Google Cloud '
                     f'region, e.g. {DEFAULT_REGION}, europe-west4.')
  image = section.get('image', DEFAULT_IMAGE)
  if image == 'launchpad':
    raise ValueError(f'vertex_ai.image={image!r}: {_LAUNCHPAD_IMAGE_WHY}; '
                     f'use a Dockerfile of the repository, e.g. '
                     f'{DEFAULT_IMAGE!r}.')
  if (not isinstance(image, str) or os.path.isabs(image) or
      not os.path.isfile(os.path.join(REPO_ROOT, image))):
    raise ValueError(f'vertex_ai.image={image!r} must be the path of a '
                     f'Dockerfile in the repository, e.g. {DEFAULT_IMAGE!r}.')
  if image.split('/')[0] not in STAGED_PATHS:
    raise ValueError(f'vertex_ai.image={image!r} must lie under one of '
                     f'{", ".join(STAGED_PATHS)} (what the image is built '
                     'from).')
  read_dockerfile(os.path.join(REPO_ROOT, image))  # Its form.
  local = section.get('build_image_locally', True)
  if not isinstance(local, bool):
    raise ValueError(f'vertex_ai.build_image_locally={local!r} must be true '
                     '(build with the local docker) or false (Cloud Build).')


def missing_requirements(settings: Optional[Mapping[str, Any]] = None) -> str:
  """What a vertex_ai launch lacks here: '' if nothing, else what to install
  or set. Checks that XManager imports, that Google credentials are set
  (GOOGLE_APPLICATION_CREDENTIALS, or gcloud's application default
  credentials file) and that a project id and a bucket are given (in
  `settings`, or GOOGLE_CLOUD_PROJECT and GOOGLE_CLOUD_BUCKET_NAME).
  Contacts nothing (credentials from a GCE metadata server are not seen)."""
  settings = settings or {}
  missing = []
  try:
    importlib.import_module('xmanager.xm')
    importlib.import_module('xmanager.xm_local')
  except Exception as e:  # pylint: disable=broad-except
    missing.append(f'XManager does not import ({type(e).__name__}: {e}); '
                   f'install it with {_XM_INSTALL}')
  key_file = os.environ.get('GOOGLE_APPLICATION_CREDENTIALS')
  if key_file:
    if not os.path.isfile(key_file):
      missing.append(f'GOOGLE_APPLICATION_CREDENTIALS={key_file} is not a '
                     f'file; {_ADC_HELP}')
  else:
    gcloud_dir = os.environ.get('CLOUDSDK_CONFIG') or os.path.join(
        os.path.expanduser('~'), '.config', 'gcloud')
    adc = os.path.join(gcloud_dir, 'application_default_credentials.json')
    if not os.path.isfile(adc):
      missing.append(f'no Google credentials (GOOGLE_APPLICATION_CREDENTIALS '
                     f'is unset and {adc} does not exist): {_ADC_HELP}')
  if not (settings.get('project') or os.environ.get('GOOGLE_CLOUD_PROJECT')):
    missing.append('no Google Cloud project: set "vertex_ai": {"project": '
                   '...} in the launch config (or GOOGLE_CLOUD_PROJECT)')
  if not (settings.get('bucket') or
          os.environ.get('GOOGLE_CLOUD_BUCKET_NAME')):
    missing.append('no Cloud Storage bucket: set "vertex_ai": {"bucket": '
                   '...} in the launch config (or GOOGLE_CLOUD_BUCKET_NAME)')
  if not missing:
    return ''
  return 'vertex_ai launch: ' + '; '.join(missing) + '.'


def hardware(resource: Mapping[str, Any]) -> Hardware:
  """The machine one node of a group with `resource` gets."""
  accelerator = resource.get('accelerator')
  if accelerator is None:
    return Hardware(resource.get('machine_type', DEFAULT_MACHINE_TYPE))
  accelerator = accelerator.lower()
  count = resource.get('accelerator_count', 1)
  if accelerator == 'a100':
    return Hardware(_A100_MACHINE_TYPES[count], accelerator, count)
  return Hardware(resource.get('machine_type', DEFAULT_MACHINE_TYPE),
                  accelerator, count)


def job_requirements(hw: Hardware) -> Dict[str, Any]:
  """Keyword arguments of xm.JobRequirements for `hw` (cpu, ram in bytes,
  and e.g. v100=1)."""
  kwargs = {}
  if hw.accelerator != 'a100':  # A100s: XManager picks an a2 machine.
    cpu, ram_gib = MACHINE_TYPES[hw.machine_type]
    kwargs.update(cpu=cpu, ram=ram_gib * 2**30)  # xm.GiB is 2**30.
  if hw.accelerator:
    kwargs[hw.accelerator] = hw.accelerator_count
  return kwargs


def node_env(group: str, resource: Mapping[str, Any]) -> Dict[str, str]:
  """Environment variables for the nodes of `group`: its configured `env`,
  TF2_BEHAVIOR=1, and CUDA_VISIBLE_DEVICES="" unless the group is given an
  accelerator (or sets the variable itself)."""
  env = {str(k): str(v) for k, v in resource.get('env', {}).items()}
  for key, value in local_mp.NODE_ENV.items():  # Why: see there.
    env.setdefault(key, value)
  if resource.get('accelerator') is None:
    env.setdefault(devices.VISIBLE_ENV, '')
  return env


def worker_pools(group_sizes: Sequence[Tuple[str, int]],
                 resources: Mapping[str, Mapping[str, Any]]
                 ) -> List[WorkerPool]:
  """The worker pools Launchpad 0.5.2 makes (its xm_docker launch, spelled
  out so that the plan is known and checked before anything is built).

  Args:
    group_sizes: (group, number of nodes) in the program's order.
    resources: the checked `resources` (validate_resources).

  Raises:
    ValueError: more than MAX_WORKER_POOLS pools.
  """
  by_hardware: Dict[Hardware, List[str]] = {}  # One label per node.
  for group, size in group_sizes:
    by_hardware.setdefault(hardware(resources.get(group, {})), []).extend(
        [group] * size)
  pools = list(by_hardware.items())
  # Vertex AI wants exactly one replica in the first pool: Launchpad moves
  # the first one-node pool to the front, or else splits off a first node.
  single = [i for i, (_, labels) in enumerate(pools) if len(labels) == 1]
  if single:
    pools.insert(0, pools.pop(single[0]))
  else:
    hw, labels = pools[0]
    pools[0] = (hw, labels[:1])
    pools.append((hw, labels[1:]))
  if len(pools) > MAX_WORKER_POOLS:
    raise ValueError(
        f'resources give {len(pools)} worker pools ('
        + '; '.join(f'{", ".join(dict.fromkeys(labels))} on {hw}'
                    for hw, labels in pools)
        + f'); Vertex AI takes at most {MAX_WORKER_POOLS}. Give more groups '
        'the same machine_type and accelerator (groups with equal ones share '
        'a pool; a pool of one node comes first, and without one Launchpad '
        'splits a node off the first pool).')
  out = []
  for i, (hw, labels) in enumerate(pools):
    counts: Dict[str, int] = {}
    for label in labels:
      counts[label] = counts.get(label, 0) + 1
    out.append(WorkerPool(f'workerpool{i}', tuple(counts.items()), hw))
  return out


@dataclasses.dataclass(frozen=True)
class Image:
  """A Dockerfile's steps: its base image, and the instructions after FROM
  with COPY/ADD sources relative to the build context (the repository)."""

  base_image: str
  steps: Tuple[str, ...]

  def copy_sources(self) -> List[str]:
    """Every COPY/ADD source, relative to the build context."""
    return [source for step in self.steps
            for source in (_copy_parts(step) or ((), ()))[1]]

  def instructions(self, workdir: str) -> List[str]:
    """The steps with COPY/ADD sources under `workdir`, where XManager's
    build context holds Launchpad's copy of the code."""
    out = []
    for step in self.steps:
      parts = _copy_parts(step)
      if parts is None:
        out.append(step)
        continue
      keyword, sources, flags_and_dest = parts
      rebased = [posixpath.normpath(posixpath.join(workdir, source))
                 for source in sources]
      out.append(' '.join([keyword, *flags_and_dest[:-1], *rebased,
                           flags_and_dest[-1]]))
    return out


def _copy_parts(step: str):
  """(keyword, sources, flags + [dest]) of a COPY/ADD step, else None."""
  words = step.split()
  if words[0].upper() not in ('COPY', 'ADD'):
    return None
  flags = [w for w in words[1:] if w.startswith('--')]
  paths = [w for w in words[1:] if not w.startswith('--')]
  return words[0], paths[:-1], flags + paths[-1:]


def read_dockerfile(path: str) -> Image:
  """The Image of the Dockerfile at `path`: one FROM, then shell-form steps.

  Raises:
    ValueError: no FROM first, a second FROM (multi-stage), a COPY/ADD in
      JSON form, with --from, or with a source outside the build context.
  """
  with open(path) as f:
    text = f.read()
  steps = []
  current = ''
  for line in text.splitlines():
    stripped = line.strip()
    if not current and (not stripped or stripped.startswith('#')):
      continue
    if stripped.startswith('#'):  # A comment inside a continued step.
      continue
    if stripped.endswith('\\'):
      current += stripped[:-1].strip() + ' '
      continue
    steps.append((current + stripped).strip())
    current = ''
  if current.strip():
    steps.append(current.strip())
  if not steps or steps[0].split()[0].upper() != 'FROM':
    raise ValueError(f'{path}: the first instruction must be FROM.')
  words = steps[0].split()
  if len(words) != 2:
    raise ValueError(f'{path}: {steps[0]!r}: only `FROM <image>` is '
                     'supported.')
  for step in steps[1:]:
    keyword = step.split()[0].upper()
    if keyword == 'FROM':
      raise ValueError(f'{path}: {step!r}: multi-stage Dockerfiles are not '
                       'supported (one FROM).')
    if keyword in ('COPY', 'ADD'):
      rest = step.split(None, 1)[1] if len(step.split()) > 1 else ''
      if rest.lstrip().startswith('['):
        raise ValueError(f'{path}: {step!r}: use the shell form '
                         '`COPY <source>... <dest>`.')
      _, sources, flags_and_dest = _copy_parts(step)
      if not sources:
        raise ValueError(f'{path}: {step!r} needs a source and a destination.')
      if any(flag.startswith('--from') for flag in flags_and_dest):
        raise ValueError(f'{path}: {step!r}: --from is not supported.')
      for source in sources:
        normal = posixpath.normpath(source)
        if source.startswith('/') or normal == '..' or normal.startswith(
            '../'):
          raise ValueError(f'{path}: {step!r}: source {source!r} lies '
                           'outside the build context.')
  return Image(words[1], tuple(steps[1:]))


def stage_code(destination: str, root: str = REPO_ROOT) -> None:
  """Copies what the image is built from (STAGED_PATHS) to `destination`."""
  ignore = shutil.ignore_patterns('__pycache__', '*.pyc', '*.egg-info')
  os.makedirs(destination)
  for name in STAGED_PATHS:
    source = os.path.join(root, name)
    if os.path.isdir(source):
      shutil.copytree(source, os.path.join(destination, name), ignore=ignore)
    elif os.path.isfile(source):
      shutil.copy2(source, os.path.join(destination, name))


def run_with_env(env: Mapping[str, str], function: Callable[[], Any]) -> Any:
  """Runs a node's function with `env` set first. Pickled with the node in
  place of its function: Launchpad 0.5.2's Vertex AI nodes take no
  environment of their own. TensorFlow reads CUDA_VISIBLE_DEVICES when it
  first lists devices, which comes after this."""
  os.environ.update(env)
  return function()


class _ImageXm:
  """Launchpad's `xm` with its PythonContainer built from our Image: the
  Dockerfile's steps, then Launchpad's own last steps (copy the code and
  job.pkl, enter that directory), where its entry point runs."""

  def __init__(self, xm: Any, image: Image):
    self._xm = xm
    self._image = image

  def __getattr__(self, name: str) -> Any:
    return getattr(self._xm, name)

  def PythonContainer(  # pylint: disable=invalid-name
      self, *, path: str, docker_instructions: Sequence[str],
      base_image: Optional[str] = None, **kwargs: Any) -> Any:
    del base_image  # Launchpad's python:3.x; the Dockerfile names its own.
    workdir = os.path.basename(path)
    copy_code = f'COPY {workdir}/ {workdir}'
    if copy_code not in docker_instructions:
      raise RuntimeError(f'Launchpad no longer ends its image with '
                         f'{copy_code!r}: {list(docker_instructions)}')
    tail = list(docker_instructions[docker_instructions.index(copy_code):])
    return self._xm.PythonContainer(
        path=path, base_image=self._image.base_image,
        docker_instructions=self._image.instructions(workdir) + tail,
        **kwargs)


_MISSING = object()


@contextlib.contextmanager
def _launchpad_xm_modules(xm: Any,
                          xm_local: Any) -> Iterator[Tuple[Any, Any]]:
  """Launchpad's XManager modules, imported afresh against `xm` and
  `xm_local` (XManager's, or a stand-in put in sys.modules for the time);
  afterwards sys.modules is as before."""
  names = ('xmanager', 'xmanager.xm', 'xmanager.xm_local',
           *_LAUNCHPAD_XM_MODULES)
  saved_modules = {name: sys.modules.get(name, _MISSING) for name in names}
  saved_attributes = {}
  for name in _LAUNCHPAD_XM_MODULES:
    parent, _, child = name.rpartition('.')
    parent_module = importlib.import_module(parent)
    saved_attributes[name] = (parent_module, child,
                              getattr(parent_module, child, _MISSING))
  try:
    if (sys.modules.get('xmanager.xm') is not xm or
        sys.modules.get('xmanager.xm_local') is not xm_local):
      package = types.ModuleType('xmanager')
      package.__path__ = []
      package.xm = xm
      package.xm_local = xm_local
      sys.modules.update({'xmanager': package, 'xmanager.xm': xm,
                          'xmanager.xm_local': xm_local})
    for name, (parent_module, child, _) in saved_attributes.items():
      sys.modules.pop(name, None)
      if hasattr(parent_module, child):
        delattr(parent_module, child)
    yield tuple(importlib.import_module(name)
                for name in _LAUNCHPAD_XM_MODULES)
  finally:
    for name, module in saved_modules.items():
      if module is _MISSING:
        sys.modules.pop(name, None)
      else:
        sys.modules[name] = module
    for parent_module, child, value in saved_attributes.values():
      if value is _MISSING:
        if hasattr(parent_module, child):
          delattr(parent_module, child)
      else:
        setattr(parent_module, child, value)


@contextlib.contextmanager
def _cloud_settings(settings: Mapping[str, Any],
                    xm_local: Any) -> Iterator[None]:
  """Project, bucket, region and image building as XManager 0.3.0 reads
  them: GOOGLE_CLOUD_PROJECT (image names, via google.auth.default),
  GOOGLE_CLOUD_BUCKET_NAME (the job's staging bucket), its Vertex AI client's
  location, --xm_build_image_locally. The environment is restored after."""
  saved_env = {key: os.environ.get(key)
               for key in ('GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_BUCKET_NAME')}
  os.environ['GOOGLE_CLOUD_PROJECT'] = settings['project']
  os.environ['GOOGLE_CLOUD_BUCKET_NAME'] = settings['bucket']
  try:
    vertex = getattr(xm_local, 'vertex', None)  # xm_local imports it.
    if vertex is not None:
      vertex.set_default_client(vertex.Client(
          project=settings['project'],
          location=settings.get('region', DEFAULT_REGION)))
    from absl import flags  # pylint: disable=g-import-not-at-top
    if 'xm_build_image_locally' in flags.FLAGS:
      flags.FLAGS.xm_build_image_locally = settings.get(
          'build_image_locally', True)
    yield
  finally:
    for key, value in saved_env.items():
      if value is None:
        os.environ.pop(key, None)
      else:
        os.environ[key] = value


@contextlib.contextmanager
def _kept_signal_handlers() -> Iterator[None]:
  """Launchpad's launch makes SIGINT and SIGQUIT exit the process; the
  handlers are put back once the job is submitted."""
  saved = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGQUIT)}
  try:
    yield
  finally:
    for sig, handler in saved.items():
      signal.signal(sig, handler)


def launch(program: Any, resources: Mapping[str, Mapping[str, Any]],
           settings: Mapping[str, Any], *, xm: Any = None,
           xm_local: Any = None) -> List[WorkerPool]:
  """Submits `program` to Vertex AI as one custom job; returns its pools.

  Everything is checked first (resources, settings, Dockerfile, at most 4
  pools); then the code is staged, each node's function set to run with its
  group's environment, and Launchpad's vertex_ai launch pickles the nodes,
  has XManager build and push an image per pool and start the job.

  Args:
    program: an lp.Program, not launched before.
    resources: the launch config's `resources` (RESOURCE_KEYS per group).
    settings: the launch config's "vertex_ai" section (validate_settings).
    xm: XManager's `xmanager.xm` module, or a stand-in; default: imported.
    xm_local: XManager's `xmanager.xm_local` module, or a stand-in.

  Returns:
    The worker pools, as Launchpad made them.

  Raises:
    ValueError: bad resources or settings, more than 4 pools.
  """
  groups = tuple(program.groups)
  validate_settings(settings)
  validate_resources(resources, groups)
  pools = worker_pools([(g, len(n)) for g, n in program.groups.items()],
                       resources)
  image = read_dockerfile(os.path.join(
      REPO_ROOT, settings.get('image', DEFAULT_IMAGE)))
  if xm is None or xm_local is None:
    from xmanager import xm  # pylint: disable=g-import-not-at-top,redefined-outer-name
    from xmanager import xm_local  # pylint: disable=g-import-not-at-top,redefined-outer-name
  from launchpad import context  # pylint: disable=g-import-not-at-top

  staging = tempfile.mkdtemp(prefix='distrl-vertex-')
  try:
    code = os.path.join(staging, 'code')
    stage_code(code)
    absent = [s for s in image.copy_sources()
              if not os.path.exists(os.path.join(code, s))]
    if absent:
      raise ValueError(f'{settings.get("image", DEFAULT_IMAGE)} copies '
                       f'{absent}, which the image is not built from; it has: '
                       f'{", ".join(STAGED_PATHS)}.')
    for group, nodes in program.groups.items():
      env = node_env(group, resources.get(group, {}))
      for node in nodes:
        # PyNode.function returns this attribute (Launchpad 0.5.2).
        node._partial_function = functools.partial(  # pylint: disable=protected-access
            run_with_env, env, node.function)
    with _launchpad_xm_modules(xm, xm_local) as (nodes_xm, launch_xm), \
        _cloud_settings(settings, xm_local), _kept_signal_handlers():
      nodes_xm.xm = _ImageXm(xm, image)
      xm_resources = {
          group: nodes_xm.DockerConfig(
              code_directory=code,
              docker_requirements=os.path.join(code, _LOCK),
              hw_requirements=xm.JobRequirements(**job_requirements(
                  hardware(resources.get(group, {})))))
          for group in groups}
      launch_xm.launch(program, context.LaunchType.VERTEX_AI, xm_resources)
  finally:
    shutil.rmtree(staging, ignore_errors=True)
  return pools
