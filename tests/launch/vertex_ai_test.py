"""The vertex_ai launch, offline up to the cloud call.

A recording stand-in for XManager (`xm`, `xm_local`: requirements, the
Vertex AI executor, experiments) takes the place of the real one, which the
test venv lacks (it is the optional extra requirements/xmanager.lock). A real
IMPALA program goes through Launchpad 0.5.2's own vertex_ai launch; the test
checks what would reach Vertex AI (worker pools, accelerators, the image's
steps, the settings) and unpickles the job files Launchpad wrote, as a node
process would.
"""

import dataclasses
import json
import os
import signal
import subprocess
import sys
import textwrap
import types
from typing import Any, Dict, List, Optional

import pytest

from launch import vertex_ai

REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
SETTINGS = {'project': 'distrl-test', 'region': 'europe-west4',
            'bucket': 'distrl-bucket'}
# The learner gets a GPU, actors a bigger CPU machine, the rest the default.
RESOURCES = {
    'learner': {'machine_type': 'n1-standard-8', 'accelerator': 'v100',
                'accelerator_count': 1},
    'actor': {'machine_type': 'n1-highcpu-16', 'env': {'DISTRL_X': '1'}},
}


# The stand-in for XManager 0.3.0: module-level classes, so that the
# requirements pickled with the nodes load in another process.
class JobRequirements:
  """xm.JobRequirements: resources by name, replicas set by Launchpad."""

  def __init__(self, resources=None, *, replicas=None, **kw_resources):
    self.task_requirements = {**(resources or {}), **kw_resources}
    self.replicas = replicas or 1

  def __repr__(self):  # Launchpad groups pools by this text.
    return 'xm.JobRequirements(%s)' % ', '.join(
        f'{k}={v!r}' for k, v in self.task_requirements.items())


@dataclasses.dataclass
class CommandList:
  commands: List[str]


@dataclasses.dataclass
class PythonContainer:
  entrypoint: Any
  path: str = '.'
  base_image: Optional[str] = None
  docker_instructions: Optional[List[str]] = None


@dataclasses.dataclass
class Packageable:
  executable_spec: Any
  executor_spec: Any


@dataclasses.dataclass
class Job:
  executable: Any
  executor: Any


class JobGroup:

  def __init__(self, **jobs):
    self.jobs = jobs


@dataclasses.dataclass
class Caip:
  """xm_local.Caip (Vertex AI executor)."""
  requirements: Any

  @dataclasses.dataclass
  class Spec:
    push_image_tag: Optional[str] = None


class Record:
  """What the stand-in was asked: experiments, packaged specs, job groups,
  the Vertex AI client, and the environment when the jobs were added."""

  def __init__(self):
    self.titles: List[str] = []
    self.packaged: List[Packageable] = []
    self.job_groups: List[JobGroup] = []
    self.clients: List[Dict[str, str]] = []
    self.env_at_add: Dict[str, Optional[str]] = {}


class Experiment:

  def __init__(self, record: Record):
    self._record = record

  def __enter__(self):
    return self

  def __exit__(self, *unused):
    return False

  def package(self, packageables):
    self._record.packaged.extend(packageables)
    return [('executable', p.executable_spec) for p in packageables]

  def add(self, job_group):
    self._record.job_groups.append(job_group)
    self._record.env_at_add = {
        k: os.environ.get(k)
        for k in ('GOOGLE_CLOUD_PROJECT', 'GOOGLE_CLOUD_BUCKET_NAME')}


def stand_in():
  """(xm, xm_local, record): recording stand-ins for XManager's modules."""
  record = Record()
  xm = types.ModuleType('xmanager.xm')
  for cls in (JobRequirements, CommandList, PythonContainer, Packageable, Job,
              JobGroup):
    setattr(xm, cls.__name__, cls)
  xm_local = types.ModuleType('xmanager.xm_local')
  xm_local.Caip = Caip

  def create_experiment(experiment_title):
    record.titles.append(experiment_title)
    return Experiment(record)

  xm_local.create_experiment = create_experiment
  xm_local.vertex = types.SimpleNamespace(
      Client=lambda project, location: {'project': project,
                                        'location': location},
      set_default_client=record.clients.append)
  return xm, xm_local, record


def install_stand_in():
  """Puts the stand-in in sys.modules (for a process that unpickles)."""
  xm, xm_local, _ = stand_in()
  package = types.ModuleType('xmanager')
  package.__path__ = []
  package.xm, package.xm_local = xm, xm_local
  sys.modules.update({'xmanager': package, 'xmanager.xm': xm,
                      'xmanager.xm_local': xm_local})


def _impala_program(num_actors=2):
  from agents.impala import config as impala_config  # pylint: disable=g-import-not-at-top
  from programs import impala  # pylint: disable=g-import-not-at-top
  from programs.nodes import budget as budget_lib  # pylint: disable=g-import-not-at-top
  return impala.make_program(
      impala_config.IMPALAConfig(), 'catch', num_actors=num_actors,
      budget=budget_lib.Budget(max_seconds=60), start_time=0.0)


@pytest.fixture(scope='module')
def launched():
  """One stand-in launch of IMPALA with RESOURCES: (pools, record)."""
  xm, xm_local, record = stand_in()
  handlers = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGQUIT)}
  pools = vertex_ai.launch(_impala_program(), RESOURCES, SETTINGS, xm=xm,
                           xm_local=xm_local)
  # Launchpad's SIGINT/SIGQUIT handlers and the stand-in are gone again.
  assert handlers == {s: signal.getsignal(s) for s in handlers}
  assert sys.modules.get('xmanager.xm') is not xm
  return pools, record


def _jobs(record):
  [group] = record.job_groups
  return [group.jobs[str(i + 1)] for i in range(len(group.jobs))]


def test_worker_pools_share_by_hardware(launched):
  pools, record = launched
  assert [(p.name, p.groups) for p in pools] == [
      ('workerpool0', (('learner', 1),)),
      ('workerpool1', (('counter', 1), ('replay', 1), ('variable_server', 1),
                       ('evaluator', 1))),
      ('workerpool2', (('actor', 2),)),
  ]
  assert record.titles == ['impala']
  jobs = _jobs(record)
  # What Launchpad handed XManager matches the plan, pool by pool.
  assert [job.executor.requirements.replicas for job in jobs] == [1, 4, 2]
  assert [job.executor.requirements.task_requirements for job in jobs] == [
      {'cpu': 8, 'ram': 30 * 2**30, 'v100': 1},
      {'cpu': 4, 'ram': 15 * 2**30},
      {'cpu': 16, 'ram': 14 * 2**30},
  ]
  assert [str(p.hardware) for p in pools] == [
      'n1-standard-8 with 1 x v100', 'n1-standard-4', 'n1-highcpu-16']
  assert all(isinstance(p.executor_spec, Caip.Spec) for p in record.packaged)


def test_only_the_learner_asks_for_an_accelerator(launched):
  pools, record = launched
  gpu_pools = [pool.groups for pool, job in zip(pools, _jobs(record))
               if set(job.executor.requirements.task_requirements) &
               set(vertex_ai.ACCELERATORS)]
  assert gpu_pools == [(('learner', 1),)]


def test_settings_reach_xmanager(launched):
  _, record = launched
  assert record.clients == [{'project': 'distrl-test',
                             'location': 'europe-west4'}]
  assert record.env_at_add == {'GOOGLE_CLOUD_PROJECT': 'distrl-test',
                               'GOOGLE_CLOUD_BUCKET_NAME': 'distrl-bucket'}
  assert os.environ.get('GOOGLE_CLOUD_BUCKET_NAME') != 'distrl-bucket'


def test_image_installs_the_pinned_locks_then_the_project(launched):
  _, record = launched
  for packageable in record.packaged:
    container = packageable.executable_spec
    workdir = os.path.basename(container.path)
    steps = container.docker_instructions
    assert container.base_image == 'python:3.10.13'
    assert container.entrypoint == CommandList(
        ['python -m process_entry --data_file=job.pkl'])
    runs = [s for s in steps if s.startswith('RUN ')]
    assert runs == [
        'RUN python -m pip install --no-cache-dir --no-deps -r '
        'requirements/py310.lock',
        'RUN python -m pip install --no-cache-dir --no-deps -r '
        'requirements/xmanager.lock',
        'RUN python -m pip install --no-cache-dir --no-deps '
        '--no-build-isolation .',
    ]
    # Every COPY source is in the build context XManager gets (the parent
    # of the container's path), from Launchpad's copy of the staged code.
    for step in steps:
      if step.startswith('COPY '):
        for source in step.split()[1:-1]:
          assert source.startswith(f'{workdir}/') or source == workdir
          assert os.path.exists(os.path.join(
              os.path.dirname(container.path), source)), step
    # Launchpad's own last steps: its copy with job.pkl, entered.
    assert steps[-2:] == [f'COPY {workdir}/ {workdir}', f'WORKDIR {workdir}']
    for lock in ('py310.lock', 'xmanager.lock'):
      with open(os.path.join(container.path, 'requirements', lock)) as a, \
          open(os.path.join(REPO, 'requirements', lock)) as b:
        assert a.read() == b.read()
    staged = sorted(os.listdir(container.path))
    assert {'agents', 'programs', 'launch', 'setup.py', 'job.pkl',
            'process_entry.py'} <= set(staged)
    assert 'tests' not in staged and '.venv' not in staged


_UNPICKLE = textwrap.dedent('''
    import functools, json, os, sys
    paths = sys.argv[1:]
    # The first pool's copy of the code comes first, as in its container.
    sys.path[:0] = [paths[0], {repo!r}]
    from tests.launch import vertex_ai_test
    vertex_ai_test.install_stand_in()
    import cloudpickle
    from launch import vertex_ai
    import programs
    out = {{'programs_from': programs.__file__, 'pools': []}}
    for path in paths:
      nodes = []
      with open(os.path.join(path, 'job.pkl'), 'rb') as f:
        functions = cloudpickle.load(f)
      for function in functions:
        assert isinstance(function, functools.partial), function
        assert function.func is vertex_ai.run_with_env, function.func
        env, inner = function.args
        node = inner.__self__
        nodes.append({{
            'env': env, 'class': type(node).__name__,
            'launch_type': node.launch_context.launch_type.value,
            'addresses': [a.resolve() for a in node.addresses],
            'handles': sorted(h._address.resolve()
                              for h in node.input_handles),
        }})
      out['pools'].append(nodes)
    print(json.dumps(out))
''')


def test_pickled_nodes_load_as_in_a_node_process(launched):
  pools, record = launched
  cluster = {p.name: [f'{p.name}-{i}:2222' for i in range(p.replicas)]
             for p in pools}
  env = {k: v for k, v in os.environ.items() if k != 'PYTHONPATH'}
  env.update(CLUSTER_SPEC=json.dumps({'cluster': cluster, 'task': {
      'type': 'workerpool0', 'index': 0}}), TF_CPP_MIN_LOG_LEVEL='3')
  paths = [p.executable_spec.path for p in record.packaged]
  # One process for every pool's job.pkl (a node process loads one).
  result = subprocess.run(
      [sys.executable, '-c', _UNPICKLE.format(repo=REPO), *paths],
      cwd=paths[0], env=env, capture_output=True, text=True, timeout=120,
      check=False)
  assert result.returncode == 0, result.stderr[-3000:]
  loaded = json.loads(result.stdout.strip().splitlines()[-1])
  assert loaded['programs_from'].startswith(paths[0])
  # Where each group's servers are, by the plan.
  where = {}
  for pool in pools:
    index = 0
    for group, count in pool.groups:
      where[group] = [f'{pool.name}-{index + i}:2222' for i in range(count)]
      index += count
  assert len(loaded['pools']) == len(pools)
  for pool, nodes in zip(pools, loaded['pools']):
    groups = [g for g, count in pool.groups for _ in range(count)]
    assert len(nodes) == len(groups)
    for group, node in zip(groups, nodes):
      assert node['launch_type'] == 'vertex_ai'
      expected_env = ({'TF2_BEHAVIOR': '1'} if group == 'learner' else
                      {'CUDA_VISIBLE_DEVICES': '', 'TF2_BEHAVIOR': '1'})
      if group == 'actor':
        expected_env['DISTRL_X'] = '1'
      assert node['env'] == expected_env, group
      # Servers listen at their own replica's address; clients reach the
      # right pools (the learner reads the queue, actors the variables).
      for address in node['addresses']:
        assert address in where[group], (group, address)
      if group == 'learner':
        assert where['replay'][0] in node['handles']
      if group == 'actor':
        assert where['variable_server'][0] in node['handles']
        assert where['replay'][0] in node['handles']


def test_defaults_give_no_accelerator_and_hide_gpus():
  xm, xm_local, record = stand_in()
  pools = vertex_ai.launch(_impala_program(num_actors=1), {}, SETTINGS,
                           xm=xm, xm_local=xm_local)
  # One kind of machine: Launchpad splits the first node off for workerpool0.
  assert [(p.name, p.groups) for p in pools] == [
      ('workerpool0', (('counter', 1),)),
      ('workerpool1', (('replay', 1), ('learner', 1), ('variable_server', 1),
                       ('actor', 1), ('evaluator', 1))),
  ]
  for job in _jobs(record):
    assert job.executor.requirements.task_requirements == {
        'cpu': 4, 'ram': 15 * 2**30}
  assert vertex_ai.node_env('learner', {}) == {'CUDA_VISIBLE_DEVICES': '',
                                               'TF2_BEHAVIOR': '1'}
  assert vertex_ai.node_env('learner', RESOURCES['learner']) == {
      'TF2_BEHAVIOR': '1'}


def test_more_than_four_pools_fail_before_anything_is_built():
  xm, xm_local, record = stand_in()
  resources = {'learner': {'machine_type': 'n1-standard-8'},
               'actor': {'machine_type': 'n1-standard-16'},
               'replay': {'machine_type': 'n1-highmem-8'},
               'evaluator': {'machine_type': 'n1-highcpu-16'}}
  with pytest.raises(ValueError, match=r'resources give 5 worker pools .*'
                     r'Vertex AI takes at most 4'):
    vertex_ai.launch(_impala_program(), resources, SETTINGS, xm=xm,
                     xm_local=xm_local)
  assert not record.titles and not record.packaged


@pytest.mark.parametrize('resources, message', [
    ({'gpu_learner': {}}, r"resources name group 'gpu_learner', which the "
     r'program lacks; its groups: counter, replay, learner'),
    ({'learner': {'cpus': 4}}, r"resources\['learner'\] has unknown key\(s\) "
     r"\['cpus'\]; allowed for vertex_ai: env, machine_type, accelerator, "
     r'accelerator_count'),
    ({'learner': {'machine_type': 'n2-standard-8'}},
     r"resources\['learner'\].machine_type='n2-standard-8'; allowed: "
     r'n1-standard-4, n1-standard-8'),
    ({'learner': {'accelerator': 'h100'}},
     r"resources\['learner'\].accelerator='h100'; allowed \(XManager GPU "
     r'names\): p4, t4, p100, v100, a100'),
    ({'learner': {'accelerator_count': 2}},
     r"resources\['learner'\].accelerator_count=2 without an accelerator"),
    ({'learner': {'accelerator': 'v100', 'accelerator_count': 3}},
     r"resources\['learner'\].accelerator_count=3 for v100; allowed: "
     r'1, 2, 4, 8\.'),
    ({'learner': {'accelerator': 'A100', 'accelerator_count': 16,
                  'machine_type': 'n1-standard-8'}},
     r"machine_type='n1-standard-8' with accelerator a100"),
    ({'actor': {'env': ['CUDA_VISIBLE_DEVICES=']}},
     r"resources\['actor'\].env=\['CUDA_VISIBLE_DEVICES='\] must map"),
])
def test_bad_resources_name_group_key_value_and_allowed(resources, message):
  groups = ('counter', 'replay', 'learner', 'variable_server', 'actor',
            'evaluator')
  with pytest.raises(ValueError, match=message):
    vertex_ai.validate_resources(resources, groups)


def test_a100_machine_follows_the_count():
  resource = {'accelerator': 'A100', 'accelerator_count': 16}
  vertex_ai.validate_resources({'learner': resource}, ('learner',))
  hw = vertex_ai.hardware(resource)
  assert str(hw) == 'a2-megagpu-16g with 16 x a100'
  assert vertex_ai.job_requirements(hw) == {'a100': 16}


@pytest.mark.parametrize('settings, message', [
    ({'bucket': 'b-1'}, r'vertex_ai.project is missing'),
    ({'project': 'my-project'}, r'vertex_ai.bucket is missing'),
    ({**SETTINGS, 'zone': 'a'}, r"unknown key\(s\) \['zone'\]; allowed: "
     r'project, region, bucket, image, build_image_locally'),
    ({**SETTINGS, 'project': 'My Project'},
     r"vertex_ai.project='My Project' is not a Google Cloud project id"),
    ({**SETTINGS, 'bucket': 'gs://distrl-bucket'},
     r"give the bucket name without gs:// \('distrl-bucket'\)"),
    ({**SETTINGS, 'region': 'mars'}, r"vertex_ai.region='mars' is not a "
     r'Google Cloud region'),
    ({**SETTINGS, 'image': 'launchpad'}, r"vertex_ai.image='launchpad': "
     r".*dm-acme 0.4.0 declares dm-launchpad==0.5.0"),
    ({**SETTINGS, 'image': 'docker/Nope'}, r"vertex_ai.image='docker/Nope' "
     r'must be the path of a Dockerfile in the repository'),
    ({**SETTINGS, 'build_image_locally': 'yes'},
     r"build_image_locally='yes' must be true"),
])
def test_bad_settings_name_key_value_and_allowed(settings, message):
  with pytest.raises(ValueError, match=message):
    vertex_ai.validate_settings(settings)


def test_shipped_example_config_checks():
  with open(os.path.join(REPO, 'launch', 'configs',
                         'impala_vertex_ai.json')) as f:
    config = json.load(f)
  assert config['launch_type'] == 'vertex_ai'
  vertex_ai.validate_settings(config['vertex_ai'])
  groups = ('counter', 'replay', 'learner', 'variable_server', 'actor',
            'evaluator')
  vertex_ai.validate_resources(config['resources'], groups)
  pools = vertex_ai.worker_pools(
      [('counter', 1), ('replay', 1), ('learner', 1), ('variable_server', 1),
       ('actor', config['num_actors']), ('evaluator', 1)],
      config['resources'])
  assert [str(p) for p in pools] == [
      'workerpool0: learner x1 on n1-standard-8 with 1 x t4',
      'workerpool1: counter x1, replay x1, variable_server x1, evaluator x1 '
      'on n1-standard-4',
      'workerpool2: actor x4 on n1-highcpu-16']


@pytest.mark.parametrize('text, message', [
    ('RUN true\n', r'the first instruction must be FROM'),
    ('FROM a AS b\n', r'only `FROM <image>`'),
    ('FROM a\nFROM b\n', r'multi-stage Dockerfiles are not supported'),
    ('FROM a\nCOPY ["x", "y"]\n', r'use the shell form'),
    ('FROM a\nCOPY ../x y\n', r"source '../x' lies outside the build context"),
    ('FROM a\nCOPY --from=b x y\n', r'--from is not supported'),
])
def test_unsupported_dockerfiles_fail(tmp_path, text, message):
  path = tmp_path / 'Dockerfile'
  path.write_text(text)
  with pytest.raises(ValueError, match=message):
    vertex_ai.read_dockerfile(str(path))


def test_dockerfile_steps_move_under_the_code_directory(tmp_path):
  path = tmp_path / 'Dockerfile'
  path.write_text('# comment\nFROM python:3.10\nCOPY --chown=1 a b/ dest/\n'
                  'RUN pip install \\\n    -r a  # not a comment\n'
                  'ENV X=1\n')
  image = vertex_ai.read_dockerfile(str(path))
  assert image.base_image == 'python:3.10'
  assert image.copy_sources() == ['a', 'b/']
  assert image.instructions('tmpx') == [
      'COPY --chown=1 tmpx/a tmpx/b dest/',
      'RUN pip install -r a  # not a comment', 'ENV X=1']


@pytest.fixture
def no_google_env(monkeypatch, tmp_path):
  for key in ('GOOGLE_APPLICATION_CREDENTIALS', 'GOOGLE_CLOUD_PROJECT',
              'GOOGLE_CLOUD_BUCKET_NAME'):
    monkeypatch.delenv(key, raising=False)
  monkeypatch.setenv('CLOUDSDK_CONFIG', str(tmp_path / 'gcloud'))
  return tmp_path


def test_missing_xmanager_and_credentials_say_what_to_do(monkeypatch,
                                                         no_google_env):
  for name in ('xmanager', 'xmanager.xm', 'xmanager.xm_local'):
    monkeypatch.setitem(sys.modules, name, None)  # Their import fails.
  message = vertex_ai.missing_requirements(SETTINGS)
  assert message.startswith('vertex_ai launch: XManager does not import')
  assert '`make install-xmanager`' in message
  assert 'gcloud auth application-default login' in message
  assert 'GOOGLE_APPLICATION_CREDENTIALS' in message
  # SETTINGS name the project and the bucket.
  assert 'no Google Cloud project' not in message
  assert 'no Cloud Storage bucket' not in message


def test_missing_project_and_bucket_are_named(monkeypatch, no_google_env):
  install = stand_in()
  monkeypatch.setitem(sys.modules, 'xmanager.xm', install[0])
  monkeypatch.setitem(sys.modules, 'xmanager.xm_local', install[1])
  key = no_google_env / 'key.json'
  key.write_text('{}')
  monkeypatch.setenv('GOOGLE_APPLICATION_CREDENTIALS', str(key))
  message = vertex_ai.missing_requirements({})
  assert 'XManager' not in message and 'credentials' not in message
  assert 'no Google Cloud project' in message
  assert 'no Cloud Storage bucket' in message


def test_nothing_missing_gives_empty(monkeypatch, no_google_env):
  install = stand_in()
  monkeypatch.setitem(sys.modules, 'xmanager.xm', install[0])
  monkeypatch.setitem(sys.modules, 'xmanager.xm_local', install[1])
  adc = no_google_env / 'gcloud' / 'application_default_credentials.json'
  adc.parent.mkdir()
  adc.write_text('{}')
  assert vertex_ai.missing_requirements(SETTINGS) == ''
  monkeypatch.setenv('GOOGLE_APPLICATION_CREDENTIALS', '/nonexistent.json')
  assert 'GOOGLE_APPLICATION_CREDENTIALS=/nonexistent.json is not a file' in (
      vertex_ai.missing_requirements(SETTINGS))
