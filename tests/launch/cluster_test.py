"""multi_host placement, addresses and host checks (launch/cluster.py).

Programs are built, never launched: addresses are bound and resolved as a
launcher would, without starting a node.
"""

from absl.testing import absltest
from absl.testing import parameterized

from launch import cluster as cluster_lib
from launch import config as config_lib

HOSTS = {'trainer': '10.0.0.1', 'sampler': '10.0.0.2'}


def _build(cluster, **fields):
  fields.setdefault('max_seconds', 10)
  return config_lib.build(config_lib.LaunchConfig(
      launch_type='multi_host', cluster=cluster, **fields))


def _addresses(program):
  """label -> [resolved address of each node]."""
  return {label: [a.resolve() for node in nodes for a in node.addresses]
          for label, nodes in program.groups.items()}


class ClusterTest(parameterized.TestCase):

  @parameterized.named_parameters(
      ('no_section', {}, r'multi_host needs a "cluster" section'),
      ('unknown_key', {'hosts': HOSTS, 'ports': 1},
       r"cluster has unknown key\(s\) \['ports'\]; allowed: hosts"),
      ('no_hosts', {'hosts': {}}, r'cluster.hosts=\{\} must map host names'),
      ('default_host', {'hosts': HOSTS, 'default_host': 'gpu'},
       r"cluster.default_host='gpu' is not one of cluster.hosts: trainer, "
       r'sampler'),
      ('placement_host', {'hosts': HOSTS, 'placement': {'actor': 'gpu'}},
       r"cluster.placement\['actor'\]='gpu' must be a host or \{host: count\}"
       r'; hosts: trainer, sampler'),
      ('placement_count', {'hosts': HOSTS,
                           'placement': {'actor': {'sampler': -1}}},
       r'counts must be ints >= 0'),
      ('base_port', {'hosts': HOSTS, 'base_port': 80},
       r'cluster.base_port=80 must be a port in \[1024, 65535\]'),
      ('base_port_hosts', {'hosts': HOSTS, 'base_port': {'trainer': 23000}},
       r'or \{host: port\} for every host'),
      ('timeout', {'hosts': HOSTS, 'peer_timeout_seconds': 0},
       r'cluster.peer_timeout_seconds=0 must be a number > 0'),
      ('unknown_group', {'hosts': HOSTS, 'placement': {'actors': 'sampler'}},
       r"cluster.placement names group\(s\) \['actors'\], which program "
       r"'impala' lacks; its groups: actor, counter"),
      ('counts_sum', {'hosts': HOSTS,
                      'placement': {'actor': {'sampler': 1, 'trainer': 2}}},
       r"cluster.placement\['actor'\]=\{'sampler': 1, 'trainer': 2\} places 3 "
       r'node\(s\) but the group has 2'),
  )
  def test_bad_cluster_is_refused_naming_the_field(self, cluster, message):
    with self.assertRaisesRegex(ValueError, message):
      _build(cluster)

  def test_cluster_needs_multi_host(self):
    with self.assertRaisesRegex(ValueError, r'cluster is set but launch_type='
                                r"'local_mp'; it applies to multi_host only"):
      config_lib.build(config_lib.LaunchConfig(
          max_seconds=10, cluster={'hosts': HOSTS}))

  def test_colocated_groups_must_share_a_host(self):
    with self.assertRaisesRegex(ValueError, r"colocated groups of "
                                r"'replay\+learner' on different hosts"):
      _build({'hosts': HOSTS, 'placement': {'replay': 'sampler'}},
             colocate=(('replay', 'learner'),))
    with self.assertRaisesRegex(ValueError, r'splits a group of the '
                                r"colocated set 'actor\+evaluator'"):
      _build({'hosts': HOSTS, 'placement': {'actor': {'sampler': 2}}},
             colocate=(('actor', 'evaluator'),))

  def test_every_node_gets_its_hosts_address_and_a_port_of_its_own(self):
    cluster = {'hosts': HOSTS, 'base_port': {'trainer': 23000,
                                             'sampler': 24000},
               'placement': {'actor': {'trainer': 1, 'sampler': 1},
                             'evaluator': 'sampler'}}
    built = _build(cluster)
    assignment = built.assignment
    self.assertEqual(assignment.chief, 'trainer')
    self.assertEqual(assignment.hosts_of['actor'], ('trainer', 'sampler'))
    self.assertEqual(assignment.local_indexes('actor', 'sampler'), [1])
    self.assertEqual(assignment.describe('sampler'), 'actor/1, evaluator')
    self.assertEqual(assignment.hosts_with_nodes(), ['trainer', 'sampler'])
    assignment.bind_addresses(built.program)
    addresses = _addresses(built.program)
    # Program order on each host, after its base port (the coordinator's).
    self.assertEqual(addresses['counter'], ['10.0.0.1:23001'])
    self.assertEqual(addresses['replay'], ['10.0.0.1:23002'])
    self.assertEqual(addresses['learner'], ['10.0.0.1:23003'])
    self.assertEqual(addresses['variable_server'], ['10.0.0.1:23004'])
    self.assertEqual(addresses['actor'], [])  # Actors serve nothing.
    every = [a for values in addresses.values() for a in values]
    self.assertLen(set(every), len(every))
    # Another host builds the same file: the same addresses.
    again = _build(cluster)
    again.assignment.bind_addresses(again.program)
    self.assertEqual(_addresses(again.program), addresses)

  def test_colocated_set_runs_on_its_groups_host(self):
    built = _build({'hosts': HOSTS, 'placement': {'actor': 'sampler'}},
                   colocate=(('replay', 'learner', 'counter',
                              'variable_server', 'evaluator'),))
    label = 'replay+learner+counter+variable_server+evaluator'
    self.assertEqual(built.assignment.hosts_of[label], ('trainer',))
    self.assertEqual(built.assignment.chief, 'trainer')

  def test_ipv6_addresses_are_bracketed(self):
    self.assertEqual(cluster_lib.join_host_port('fd00::1', 23000),
                     '[fd00::1]:23000')
    self.assertEqual(cluster_lib.join_host_port('10.0.0.1', 23000),
                     '10.0.0.1:23000')

  @parameterized.parameters(
      ('127.0.0.1', True), ('10.1.2.3', True), ('172.16.0.1', True),
      ('172.31.255.1', True), ('192.168.1.1', True), ('::1', True),
      ('fd12:3456::1', True), ('localhost', True), ('8.8.8.8', False),
      ('172.32.0.1', False), ('100.64.0.1', False), ('2001:4860::1', False))
  def test_private_addresses(self, address, private):
    self.assertEqual(cluster_lib.is_private(address), private)

  def test_host_checks(self):
    cluster = cluster_lib.Cluster.from_section(
        {'hosts': {'here': '127.0.0.1', 'public': '8.8.8.8'}})
    with self.assertRaisesRegex(ValueError, r'needs --host=NAME \(or the '
                                'DISTRL_HOST environment variable\)'):
      cluster_lib.check_host(cluster, None, False)
    with self.assertRaisesRegex(ValueError, r"--host='there' is not in "
                                'cluster.hosts: here, public'):
      cluster_lib.check_host(cluster, 'there', False)
    with self.assertRaisesRegex(ValueError, r"'8.8.8.8', which is not "
                                r'private .* --allow_public_address'):
      cluster_lib.check_host(cluster, 'public', False)
    with self.assertRaisesRegex(ValueError, r'not an address of this machine'
                                r'.*is --host right\?'):
      cluster_lib.check_host(cluster, 'public', True)
    cluster_lib.check_host(cluster, 'here', False)  # Passes.


if __name__ == '__main__':
  absltest.main()
