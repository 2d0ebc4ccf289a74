"""Test hosts: network namespaces joined by a bridge, for multi_host tests.

`Hosts(['trainer', 'sampler'])` makes one namespace per host, each with a
veth device whose peer is attached to a bridge in a further namespace of
its own (the switch), and addresses 10.213.<k>.<i>/24. Nothing is connected
to, or routed towards, a real interface: the hosts reach each other and
nothing else. Leaving the context deletes every namespace it made (and
with them their devices), on every exit path; the launches in them must be
ended first (helpers.Launch does).
"""

import os
import subprocess
from typing import Dict, List, Sequence

_SUBNET = 213  # 10.213.<k>.0/24, k from this process's id.


def available() -> str:
  """'' if this machine can make test hosts, else why not."""
  if os.geteuid() != 0:
    return 'network namespaces need root'
  try:
    subprocess.run(['ip', '-V'], check=True, capture_output=True)
  except (OSError, subprocess.CalledProcessError):
    return 'iproute2 (`ip`) is not installed'
  return ''


def _ip(*args: str) -> None:
  subprocess.run(['ip', *args], check=True, capture_output=True, timeout=30)


class Hosts:
  """Namespaces named distrl-<pid>-<host>; `addresses[host]`, `exec(host)`."""

  def __init__(self, names: Sequence[str]):
    self.names = list(names)
    prefix = f'distrl-{os.getpid()}'
    self.namespaces = {n: f'{prefix}-{n}' for n in self.names}
    self.switch = f'{prefix}-switch'
    subnet = os.getpid() % 250 + 1
    self.addresses: Dict[str, str] = {
        n: f'10.{_SUBNET}.{subnet}.{i + 1}' for i, n in enumerate(self.names)}
    self._made: List[str] = []

  def __enter__(self) -> 'Hosts':
    try:
      self._make()
    except BaseException:
      self._remove()
      raise
    return self

  def _make(self) -> None:
    _ip('netns', 'add', self.switch)
    self._made.append(self.switch)
    _ip('-n', self.switch, 'link', 'set', 'lo', 'up')
    _ip('-n', self.switch, 'link', 'add', 'br0', 'type', 'bridge')
    _ip('-n', self.switch, 'link', 'set', 'br0', 'up')
    for i, name in enumerate(self.names):
      namespace = self.namespaces[name]
      _ip('netns', 'add', namespace)
      self._made.append(namespace)
      port = f'p{i}'
      _ip('-n', namespace, 'link', 'add', 'eth0', 'type', 'veth', 'peer',
          'name', port, 'netns', self.switch)
      _ip('-n', self.switch, 'link', 'set', port, 'master', 'br0')
      _ip('-n', self.switch, 'link', 'set', port, 'up')
      _ip('-n', namespace, 'addr', 'add', f'{self.addresses[name]}/24',
          'dev', 'eth0')
      _ip('-n', namespace, 'link', 'set', 'eth0', 'up')
      _ip('-n', namespace, 'link', 'set', 'lo', 'up')

  def exec(self, name: str) -> List[str]:
    """Command prefix that runs a command on host `name`."""
    return ['ip', 'netns', 'exec', self.namespaces[name]]

  def _remove(self) -> None:
    for namespace in reversed(self._made):
      subprocess.run(['ip', 'netns', 'del', namespace], capture_output=True,
                     timeout=30)
    self._made = []

  def __exit__(self, *exc) -> None:
    self._remove()
