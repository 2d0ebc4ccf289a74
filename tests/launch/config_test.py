"""Bad input fails before any process starts, naming field and allowed values."""

import json
import os
import re
import tempfile

from absl.testing import absltest
from absl.testing import parameterized

from agents.impala import config as impala_config
from launch import config as config_lib
from launch import presets
from tests import helpers


def _build(**fields):
  fields.setdefault('max_seconds', 10)
  return config_lib.build(config_lib.LaunchConfig(**fields))


class BuildTest(parameterized.TestCase):

  def test_defaults_build_impala_on_catch(self):
    built = _build()
    self.assertEqual(built.program.name, 'impala')
    self.assertEqual(len(built.program.groups['actor']), 2)
    self.assertEqual(built.resolved['hparams']['batch_size'], 32)

  @parameterized.named_parameters(
      ('program', dict(program='a9c'),
       r"program='a9c'; known programs: a2c, a3c, alphazero, apex, apex_dpg, "
       r'appo, dpg_r, dqn, es, gorila, impala, lspi, ppo, r2d2, '
       r'value_iteration\.'),
      ('environment', dict(environment='pong'), r"Unknown environment 'pong'"),
      ('actors', dict(num_actors=0), r'num_actors=0 must be an int >= 1'),
      ('launch_type', dict(launch_type='slurm'),
       r"launch_type='slurm'; allowed: local_mp, local_mt, test_mt"),
      ('no_budget', dict(max_seconds=None), r'Budget needs at least one of'),
      ('target_return_alone', dict(max_seconds=None, target_return=400.0),
       r'Budget needs at least one of'),
      ('gorila_bundled', dict(program='gorila', environment='cartpole',
                              hparams={'replay_mode': 'bundled'}),
       r'num_learners=1 must equal num_actors=2'),
      ('apex_hparam', dict(program='apex', hparams={'prioritized': 'false'}),
       r'ApexConfig.prioritized must be True'),
      ('negative_budget', dict(max_actor_steps=-5),
       r'Budget.max_actor_steps=-5 must be > 0'),
      ('unknown_hparam', dict(hparams={'learnin_rate': '0.1'}),
       r"Unknown hyperparameter 'learnin_rate' for IMPALAConfig; known: seed"),
      ('bad_hparam_value', dict(hparams={'batch_size': 'many'}),
       r'IMPALAConfig.batch_size: invalid literal'),
      ('hparam_check', dict(hparams={'queue_size': '8'}),
       r'IMPALAConfig.queue_size=8 must exceed batch_size \+ 1'),
      ('resource_group', dict(resources={'gpu_learner': {'env': {}}}),
       r"group 'gpu_learner', which program 'impala' lacks; its groups: "
       r'counter, replay, learner'),
      ('resource_key', dict(resources={'learner': {'cpus': 4}}),
       r"resources\['learner'\] has unknown key\(s\) \['cpus'\]; allowed: env"),
      ('colocate_unknown', dict(colocate=(('learner', 'cacher'),)),
       r"colocate names group\(s\) \['cacher'\]"),
      ('colocate_one', dict(colocate=(('learner',),)), r'holds one node'),
      ('colocate_twice', dict(colocate=(('learner', 'replay'),
                                        ('replay', 'counter'))),
       r"group\(s\) \['replay'\] in two sets"),
      ('colocate_threads', dict(colocate=(('learner', 'replay'),),
                                launch_type='local_mt'),
       r'colocation applies to local_mp and multi_host only'),
      ('resource_launch_type',
       dict(resources={'learner': {'env': {}}}, launch_type='local_mt'),
       r'per-group resources apply to local_mp and multi_host only'),
  )
  def test_bad_input_names_the_field(self, fields, message):
    with self.assertRaisesRegex(ValueError, message):
      _build(**fields)

  def test_colocation_merges_groups(self):
    built = _build(program='apex', environment='cartpole', num_actors=3,
                   colocate=(('replay', 'learner', 'counter',
                              'variable_server', 'evaluator'), ('actor',)))
    groups = {g: len(n) for g, n in built.program.groups.items()}
    self.assertEqual(groups, {
        'replay+learner+counter+variable_server+evaluator': 1, 'actor': 1})
    (node,) = built.program.groups[
        'replay+learner+counter+variable_server+evaluator']
    self.assertLen(node.nodes, 5)
    self.assertLen(built.program.groups['actor'][0].nodes, 3)
    from launch import colocation  # pylint: disable=g-import-not-at-top
    self.assertEqual(colocation.parse(['replay+learner', 'actor']),
                     (('replay', 'learner'), ('actor',)))

  def test_dqn_family_programs_build(self):
    for program, groups in (('dqn', 6), ('apex', 6), ('gorila', 6)):
      built = _build(program=program, environment='cartpole',
                     target_return=475.0,
                     hparams={'n_step': '5', 'hidden_sizes': '64,64'})
      self.assertLen(built.program.groups, groups)
      self.assertEqual(built.agent_config.n_step, 5)
      self.assertEqual(built.agent_config.hidden_sizes, (64, 64))
      self.assertEqual(built.budget.target_return, 475.0)

  def test_hparams_are_parsed_by_type(self):
    built = _build(hparams={'learning_rate': '0.01', 'hidden_sizes': '32,16',
                            'eval_greedy': 'true', 'optimizer': 'rmsprop'})
    config = built.agent_config
    self.assertIsInstance(config, impala_config.IMPALAConfig)
    self.assertEqual(config.learning_rate, 0.01)
    self.assertEqual(config.hidden_sizes, (32, 16))
    self.assertTrue(config.eval_greedy)
    self.assertEqual(config.optimizer, 'rmsprop')

  def test_a_task_picks_its_preset_and_given_hparams_win(self):
    default = impala_config.IMPALAConfig().learning_rate
    cartpole = presets.PRESETS[('impala', 'cartpole')]['learning_rate']
    self.assertNotEqual(cartpole, default)
    self.assertEqual(_build(environment='cartpole').agent_config.learning_rate,
                     cartpole)
    self.assertEqual(_build(environment='catch').agent_config.learning_rate,
                     default)
    given = _build(environment='cartpole', hparams={'learning_rate': '0.01'})
    self.assertEqual(given.agent_config.learning_rate, 0.01)
    self.assertEqual(
        presets.describe('impala', 'cartpole', {'learning_rate': '0.01'}),
        f'preset impala/cartpole: learning_rate={cartpole} (overridden)')
    self.assertEqual(presets.describe('impala', 'catch', {}), '')

  def test_every_preset_builds(self):
    for program, environment in presets.PRESETS:
      built = _build(program=program, environment=environment)
      for name, value in presets.preset(program, environment).items():
        self.assertEqual(getattr(built.agent_config, name), value)

  def test_resources_become_python_processes(self):
    built = _build(resources={'learner': {'env': {'CUDA_VISIBLE_DEVICES': 0}},
                              'actor': {'env': {'CUDA_VISIBLE_DEVICES': ''}}})
    self.assertEqual(built.local_resources['learner'].env,
                     {'CUDA_VISIBLE_DEVICES': '0'})
    self.assertEqual(built.local_resources['actor'].env,
                     {'CUDA_VISIBLE_DEVICES': ''})

  def test_only_the_learner_sees_gpus_unless_the_config_says(self):
    built = _build()
    self.assertEqual(built.local_resources['learner'].env, {})
    for group in ('actor', 'evaluator', 'replay', 'counter',
                  'variable_server'):
      self.assertEqual(built.local_resources[group].env,
                       {'CUDA_VISIBLE_DEVICES': ''}, group)
    built = _build(resources={'actor': {'env': {'CUDA_VISIBLE_DEVICES': 1}}})
    self.assertEqual(built.local_resources['actor'].env,
                     {'CUDA_VISIBLE_DEVICES': '1'})
    colocated = _build(colocate=(('replay', 'learner'), ('actor',
                                                         'evaluator')))
    self.assertEqual(colocated.local_resources['replay+learner'].env, {})
    self.assertEqual(colocated.local_resources['actor+evaluator'].env,
                     {'CUDA_VISIBLE_DEVICES': ''})
    self.assertEqual(_build(launch_type='local_mt').local_resources, {})

  def test_launch_file_and_overrides(self):
    with tempfile.TemporaryDirectory() as tmp:
      path = os.path.join(tmp, 'launch.json')
      with open(path, 'w') as f:
        json.dump({'environment': 'cartpole', 'num_actors': 3,
                   'max_seconds': 5, 'hparams': {'batch_size': 16}}, f)
      launch = config_lib.LaunchConfig.from_file(path, num_actors=1)
      self.assertEqual(launch.environment, 'cartpole')
      self.assertEqual(launch.num_actors, 1)
      self.assertEqual(config_lib.build(launch).agent_config.batch_size, 16)
      with open(path, 'w') as f:
        f.write('{\n  "program": "dqn",\n  "enviroment": "catch"\n}\n')
      with self.assertRaisesRegex(
          ValueError, re.escape(path) + r":3:3: unknown field\(s\) "
          r"\['enviroment'\]; allowed: program.*\n    "
          r'  "enviroment": "catch"\n      \^'):
        config_lib.LaunchConfig.from_file(path)

  def test_malformed_launch_file_names_file_line_and_column(self):
    with tempfile.TemporaryDirectory() as tmp:
      path = os.path.join(tmp, 'launch.json')
      with open(path, 'w') as f:
        f.write('{\n  "program": "dqn",\n  "num_actors": 2\n  "seed": 1\n}')
      with self.assertRaisesRegex(
          ValueError, re.escape(path) + r":4:3: malformed JSON: Expecting "
          r"',' delimiter\.\n      \"seed\": 1\n      \^"):
        config_lib.LaunchConfig.from_file(path)
      with open(path, 'w') as f:
        f.write('["dqn"]')
      with self.assertRaisesRegex(ValueError, re.escape(path) + ':1:1: a '
                                  'launch config must hold a JSON object'):
        config_lib.LaunchConfig.from_file(path)

  def test_shipped_launch_configs_build(self):
    directory = os.path.join(helpers.REPO, 'launch', 'configs')
    names = sorted(os.listdir(directory))
    self.assertNotEmpty(names)
    for name in names:
      config_lib.build(config_lib.LaunchConfig.from_file(
          os.path.join(directory, name)))


TWO_HOSTS = os.path.join(helpers.REPO, 'launch', 'configs',
                         'impala_catch_two_hosts.json')


class CommandLineTest(absltest.TestCase):

  def test_bad_input_exits_2_and_starts_nothing(self):
    for args, message in [
        (['--env=pong', '--max_seconds=5'], "Unknown environment 'pong'"),
        (['--num_actors=0', '--max_seconds=5'], 'num_actors=0'),
        (['--env=catch'], 'Budget needs at least one of'),
        (['--max_seconds=5', '--hparam=lr=1'], "Unknown hyperparameter 'lr'"),
        (['--max_seconds=5', '--launch_type=multi_host'],
         'launch_type=multi_host needs a "cluster" section'),
        ([f'--config={TWO_HOSTS}'],
         'needs --host=NAME (or the DISTRL_HOST environment variable)'),
        ([f'--config={TWO_HOSTS}', '--host=gpu'],
         "--host='gpu' is not in cluster.hosts: trainer, sampler"),
        ([f'--config={TWO_HOSTS}', '--host=trainer'],
         "'192.168.1.10', which is not an address of this machine"),
    ]:
      with helpers.Launch(args, timeout_seconds=60) as launch:
        self.assertEqual(launch.wait(), 2, launch.output())
        self.assertIn(message, launch.output())
        self.assertNotIn('[launch] impala on', launch.output())
        self.assertEmpty(launch.leftovers(grace_seconds=0))


if __name__ == '__main__':
  absltest.main()
