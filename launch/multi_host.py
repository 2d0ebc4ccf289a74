"""One host's part of a multi_host launch.

Every host runs `python -m launch --config=cluster.json --host=NAME`, in
any order. Each launcher builds the same program, binds every node address
to the configured host and port (launch/cluster.py), joins the others
through the chief's coordinator (launch/coordinator.py), and starts only
its own nodes, as local_mp does (launch/local_mp.py): Launchpad's node
executables, Courier and Reverb, with handles that resolve across hosts.

Logs: the chief writes to --logdir as a local launch does (CSV, TensorBoard,
config.json, checkpoints, resume); every other host writes what its nodes
log to <logdir>/hosts/<name>, with the chief's clock.
"""

import dataclasses
import os
import signal
from typing import Any, Callable, List, Optional

from launch import cluster as cluster_lib
from launch import config as config_lib
from launch import coordinator
from launch import local_mp
from launch import resume

HOST_ENV = 'DISTRL_HOST'
HOSTS_DIR = 'hosts'


@dataclasses.dataclass
class Session:
  """A host that has joined the cluster and may start its nodes."""

  host: str
  built: config_lib.Built
  link: Any  # coordinator.Coordinator (chief) or coordinator.Member.
  messages: List[str]
  watcher: Optional[coordinator.Watcher] = None

  @property
  def assignment(self) -> cluster_lib.Assignment:
    return self.built.assignment

  def start_nodes(self, max_restarts: int, failure_file: str):
    """Starts this host's nodes and the watcher; returns (manager, relays)
    as local_mp.launch does."""
    assignment = self.assignment
    self.watcher = coordinator.Watcher(self.link, failure_file)
    # Before any node starts: a node's lp.stop() signals this launcher.
    signal.signal(coordinator.NODE_STOP_SIGNAL, self.watcher.on_node_stop)
    manager, relays = local_mp.launch(
        self.built.program, self.built.local_resources,
        max_restarts=max_restarts,
        bind_addresses=assignment.bind_addresses,
        select=lambda label: assignment.local_indexes(label, self.host),
        program_stopper=coordinator.node_stopper())
    self.watcher.follow(manager.stop_event())
    self.watcher.start()
    return manager, relays

  def finish(self, failures: str) -> str:
    """Ends this host's part: returns every host's failures ('' if none)."""
    if self.watcher is not None:
      self.watcher.join()
    try:
      return self.link.finish(failures)
    finally:
      self.link.close()

  def stopped_by(self) -> str:
    """Who ordered the stop ('' if this host's own nodes did)."""
    order = self.watcher.order if self.watcher else None
    if order and order['by'] != self.host:
      return order['by']
    return ''


def join(launch: config_lib.LaunchConfig, built: config_lib.Built,
         host: Optional[str], *, allow_public_address: bool, fresh: bool,
         now: Callable[[], float]) -> Session:
  """Checks this host, joins the cluster and rebuilds the program with the
  run's clock (and, off the chief, this host's log directory).

  Raises:
    ValueError: bad host or logdir (exit 2, nothing started).
    coordinator.ClusterError: the hosts did not come together.
  """
  assignment = built.assignment
  cluster = assignment.cluster
  cluster_lib.check_host(cluster, host, allow_public_address)
  hosts = assignment.hosts_with_nodes()
  if host not in hosts:
    raise ValueError(f'host {host!r} runs no node of program '
                     f'{launch.program!r} (cluster.placement puts its nodes '
                     f'on {", ".join(hosts)}).')
  chief = assignment.chief
  address = cluster.coordinator_address(chief)
  fingerprint = coordinator.fingerprint(built.resolved)
  messages = [f'multi_host: {host} runs {assignment.describe(host)}; chief '
              f'{chief} at {address}']
  if host == chief:
    elapsed, resumed = 0.0, False
    if launch.logdir:
      plan = resume.plan(launch.logdir, resume.record(built.resolved),
                         fresh=fresh)
      messages += plan.messages
      elapsed, resumed = plan.elapsed_seconds, plan.resume
    members = [h for h in hosts if h != chief]
    try:
      link = coordinator.Coordinator(
          chief, members, cluster.base_ports[chief], fingerprint,
          cluster.heartbeat_timeout_seconds,
          {h: cluster.hosts[h] for h in hosts})
    except Exception as e:  # pylint: disable=broad-except
      raise ValueError(f'the chief {chief} cannot serve the coordinator on '
                       f'port {cluster.base_ports[chief]}: {e}') from None
    _say(f'{messages[0]}; waiting for {", ".join(members) or "no one"}')
    try:
      link.wait_for_members(cluster.peer_timeout_seconds, address)
    except coordinator.ClusterError:
      link.close()
      raise
    start_time = now() - elapsed
    link.start(start_time, resumed)
    logdir = launch.logdir
  else:
    link = coordinator.Member(host, chief, address,
                              cluster.heartbeat_timeout_seconds)
    _say(f'{messages[0]}; joining')
    answer = link.join(fingerprint, cluster.peer_timeout_seconds)
    start_time, resumed = answer['start_time'], answer['resume']
    logdir = launch.logdir and os.path.join(launch.logdir, HOSTS_DIR, host)
    if logdir:
      messages += resume.prepare_member_logdir(logdir, resumed)
  built = config_lib.build(dataclasses.replace(launch, logdir=logdir),
                           start_time=start_time)
  return Session(host, built, link, messages[1:])


def _say(message: str) -> None:
  print(f'[launch] {message}', flush=True)
