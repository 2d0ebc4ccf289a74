"""Where each node of a program runs in a `multi_host` launch.

The same JSON launch config is given to every host; its `cluster` section
names the hosts, places node groups on them and fixes the ports:

  "launch_type": "multi_host",
  "cluster": {
    "hosts": {"trainer": "10.0.0.1", "sampler": "10.0.0.2"},
    "placement": {"actor": {"trainer": 1, "sampler": 3}, "evaluator": "sampler"},
    "default_host": "trainer",
    "base_port": 23000
  }

  hosts         host name -> address (IP or DNS name) the other hosts reach
                it at.
  placement     group -> host, or {host: number of the group's nodes}; groups
                not named run on `default_host` (default: the first host).
  base_port     int, or {host: int}: host h serves the launch coordinator on
                its base port (the chief only) and its nodes on the ports
                after it, one per node address, in program order.
  peer_timeout_seconds       how long a launcher waits for the others to join.
  heartbeat_timeout_seconds  a host silent for this long is lost: the others
                             stop with a message naming it.

The chief is the host of the `counter` group: it serves the coordinator
(launch/coordinator.py) that every other host's launcher joins. Every host
computes the same assignment from the same file and program, so a handle to
a node on another host resolves to that host's configured address and port.
"""

import dataclasses
import ipaddress
import socket
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

from launchpad import address as lp_address

CHIEF_GROUP = 'counter'
KEYS = ('hosts', 'placement', 'default_host', 'base_port',
        'peer_timeout_seconds', 'heartbeat_timeout_seconds')
DEFAULT_BASE_PORT = 23000
DEFAULT_PEER_TIMEOUT_SECONDS = 120.0
DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 10.0
# Loopback, RFC 1918 and unique local (RFC 4193) addresses.
PRIVATE_NETWORKS = tuple(ipaddress.ip_network(n) for n in (
    '127.0.0.0/8', '10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16',
    '::1/128', 'fc00::/7'))


@dataclasses.dataclass(frozen=True)
class Cluster:
  """The checked `cluster` section of a launch config."""

  hosts: Mapping[str, str]
  placement: Mapping[str, Any]
  default_host: str
  base_ports: Mapping[str, int]
  peer_timeout_seconds: float
  heartbeat_timeout_seconds: float

  @classmethod
  def from_section(cls, section: Mapping[str, Any]) -> 'Cluster':
    """Checks a launch config's `cluster` section.

    Raises:
      ValueError: naming the key, its value and what is allowed.
    """
    if not isinstance(section, Mapping) or not section:
      raise ValueError('launch_type=multi_host needs a "cluster" section: '
                       '{"hosts": {name: address, ...}, "placement": {group: '
                       'host or {host: count}}, "base_port": port}.')
    unknown = set(section) - set(KEYS)
    if unknown:
      raise ValueError(f'cluster has unknown key(s) {sorted(unknown)}; '
                       f'allowed: {", ".join(KEYS)}.')
    hosts = section.get('hosts')
    if (not isinstance(hosts, Mapping) or not hosts or
        not all(isinstance(v, str) and v for v in hosts.values())):
      raise ValueError(f'cluster.hosts={hosts!r} must map host names to '
                       'addresses, e.g. {"trainer": "10.0.0.1"}.')
    hosts = dict(hosts)
    default_host = section.get('default_host', next(iter(hosts)))
    if default_host not in hosts:
      raise ValueError(f'cluster.default_host={default_host!r} is not one of '
                       f'cluster.hosts: {", ".join(hosts)}.')
    placement = dict(section.get('placement', {}))
    for group, where in placement.items():
      names = [where] if isinstance(where, str) else (
          list(where) if isinstance(where, Mapping) else None)
      if names is None or not all(n in hosts for n in names):
        raise ValueError(f'cluster.placement[{group!r}]={where!r} must be a '
                         f'host or {{host: count}}; hosts: {", ".join(hosts)}.')
      if isinstance(where, Mapping) and not all(
          isinstance(c, int) and c >= 0 for c in where.values()):
        raise ValueError(f'cluster.placement[{group!r}]={where!r}: counts '
                         'must be ints >= 0.')
    base = section.get('base_port', DEFAULT_BASE_PORT)
    base_ports = ({h: base for h in hosts} if isinstance(base, int)
                  else dict(base) if isinstance(base, Mapping) else None)
    if base_ports is None or set(base_ports) != set(hosts) or not all(
        isinstance(p, int) and 1024 <= p < 65536
        for p in base_ports.values()):
      raise ValueError(f'cluster.base_port={base!r} must be a port in '
                       '[1024, 65535] or {host: port} for every host.')
    timeouts = {}
    for key, default in (
        ('peer_timeout_seconds', DEFAULT_PEER_TIMEOUT_SECONDS),
        ('heartbeat_timeout_seconds', DEFAULT_HEARTBEAT_TIMEOUT_SECONDS)):
      value = section.get(key, default)
      if not isinstance(value, (int, float)) or value <= 0:
        raise ValueError(f'cluster.{key}={value!r} must be a number > 0.')
      timeouts[key] = float(value)
    return cls(hosts, placement, default_host, base_ports, **timeouts)

  def coordinator_address(self, chief: str) -> str:
    return join_host_port(self.hosts[chief], self.base_ports[chief])


def join_host_port(address: str, port: int) -> str:
  """'10.0.0.1:23000'; IPv6 addresses in brackets."""
  return f'[{address}]:{port}' if ':' in address else f'{address}:{port}'


@dataclasses.dataclass(frozen=True)
class Assignment:
  """Which host runs each node, and at which address each node serves."""

  cluster: Cluster
  # label -> host of each of the group's nodes, in program order.
  hosts_of: Mapping[str, Tuple[str, ...]]
  chief: str

  def hosts_with_nodes(self) -> List[str]:
    """Hosts that run at least one node, in the order of cluster.hosts."""
    used = {h for hosts in self.hosts_of.values() for h in hosts}
    return [h for h in self.cluster.hosts if h in used]

  def local_indexes(self, label: str, host: str) -> List[int]:
    return [i for i, h in enumerate(self.hosts_of[label]) if h == host]

  def describe(self, host: str) -> str:
    """'learner, replay, actor/2, actor/3' run on `host`."""
    parts = []
    for label, hosts in self.hosts_of.items():
      mine = [i for i, h in enumerate(hosts) if h == host]
      if len(mine) == len(hosts):
        parts.append(label)
      else:
        parts.extend(f'{label}/{i}' for i in mine)
    return ', '.join(parts) or 'nothing'

  def bind_addresses(self, program: Any) -> None:
    """Binds every node address of `program` to its host's address and a
    port counted up from the host's base port (the base port itself is
    the coordinator's)."""
    next_port = {h: p + 1 for h, p in self.cluster.base_ports.items()}
    for label, nodes in program.groups.items():
      for node, host in zip(nodes, self.hosts_of[label]):
        for address in node.addresses:
          address.bind(FixedAddress(join_host_port(
              self.cluster.hosts[host], next_port[host])))
          next_port[host] += 1


class FixedAddress(lp_address.AbstractAddressBuilder):
  """An address known at launch: 'host:port' (picklable)."""

  def __init__(self, address: str):
    self._address = address

  def build(self) -> str:
    return self._address


def assign(cluster: Cluster, groups: Mapping[str, Sequence[Any]],
           program_name: str) -> Assignment:
  """Places every node of `groups` (label -> nodes) on a host.

  A colocated label ('replay+learner', launch/colocation.py) is placed where
  its groups are; they must all be on one host, none split over hosts.

  Raises:
    ValueError: a placement naming a group the program lacks, counts that
      do not add up to the group's size, a colocated set over several
      hosts, or no counter group.
  """
  parts = {part for label in groups for part in label.split('+')}
  missing = sorted(set(cluster.placement) - parts)
  if missing:
    raise ValueError(f'cluster.placement names group(s) {missing}, which '
                     f'program {program_name!r} lacks; its groups: '
                     f'{", ".join(sorted(parts))}.')
  hosts_of: Dict[str, Tuple[str, ...]] = {}
  for label, nodes in groups.items():
    where = [cluster.placement.get(part, cluster.default_host)
             for part in label.split('+')]
    if any(not isinstance(w, str) for w in where) and len(where) > 1:
      raise ValueError(f'cluster.placement splits a group of the colocated '
                       f'set {label!r} over hosts; a set runs as one process '
                       'on one host.')
    if len(set(map(str, where))) > 1:
      raise ValueError(f'cluster.placement puts the colocated groups of '
                       f'{label!r} on different hosts ({where}); a set runs as '
                       'one process on one host.')
    if isinstance(where[0], str):
      hosts_of[label] = (where[0],) * len(nodes)
      continue
    counts = dict(where[0])
    if sum(counts.values()) != len(nodes):
      raise ValueError(f'cluster.placement[{label!r}]={counts} places '
                       f'{sum(counts.values())} node(s) but the group has '
                       f'{len(nodes)} (--num_actors for actors).')
    hosts_of[label] = tuple(h for h, c in counts.items() for _ in range(c))
  chief = [hosts[0] for label, hosts in hosts_of.items()
           if CHIEF_GROUP in label.split('+')]
  if not chief:
    raise ValueError(f'program {program_name!r} has no {CHIEF_GROUP!r} group '
                     'to stop the run; multi_host needs one.')
  return Assignment(cluster, hosts_of, chief[0])


def is_private(address: str) -> bool:
  """True if `address` (an IP, or a name resolving only to such IPs) is
  loopback, RFC 1918 or unique local."""
  try:
    ips = [ipaddress.ip_address(address)]
  except ValueError:
    try:
      ips = [ipaddress.ip_address(info[4][0].split('%')[0])
             for info in socket.getaddrinfo(address, None)]
    except (OSError, ValueError):
      return False
  return bool(ips) and all(
      any(ip in net for net in PRIVATE_NETWORKS if ip.version == net.version)
      for ip in ips)


def check_host(cluster: Cluster, host: Optional[str],
               allow_public_address: bool) -> None:
  """Checks that this machine may run `host`'s share of the cluster.

  Raises:
    ValueError: no or unknown host name, an address that is not private
      (unless allowed), or an address that is not this machine's.
  """
  if not host:
    raise ValueError('launch_type=multi_host needs --host=NAME (or the '
                     'DISTRL_HOST environment variable): which of '
                     f'{", ".join(cluster.hosts)} this machine is.')
  if host not in cluster.hosts:
    raise ValueError(f'--host={host!r} is not in cluster.hosts: '
                     f'{", ".join(cluster.hosts)}.')
  address = cluster.hosts[host]
  if not allow_public_address and not is_private(address):
    raise ValueError(
        f'host {host!r} has the address {address!r}, which is not private '
        '(loopback, RFC 1918 or ULA). Courier runs pickled calls and Reverb '
        'serves the replay to whoever connects, and both listen on every '
        'interface: keep the cluster on a private network, or pass '
        '--allow_public_address if a firewall closes these ports.')
  family = socket.AF_INET6 if ':' in address else socket.AF_INET
  try:
    with socket.socket(family, socket.SOCK_STREAM) as s:
      s.bind((address, 0))
  except OSError as e:
    raise ValueError(f'host {host!r} has the address {address!r}, which is '
                     f'not an address of this machine ({e.strerror}): is '
                     '--host right?') from None
