"""Keeps a local launch off the network: a private network namespace.

Reverb and Courier servers bind every interface, and Courier runs pickled
calls, so a launch that listens on the host's interfaces is a remote code
execution hole on a shared machine. Before any node starts, the launcher
moves itself into a new network namespace that has only a loopback device;
every node it starts inherits it, so their ports exist nowhere else.

Needs CAP_SYS_ADMIN (root here). Where the kernel refuses, the launch warns
once and goes on in the host's namespace.
"""

import ctypes
import fcntl
import os
import socket
import struct

CLONE_NEWNET = 0x40000000
_SIOCGIFFLAGS = 0x8913
_SIOCSIFFLAGS = 0x8914
_IFF_UP = 0x1


def _bring_loopback_up() -> None:
  """`ip link set lo up`, without needing iproute2."""
  with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
    request = struct.pack('16sh', b'lo', 0)
    flags = struct.unpack('16sh', fcntl.ioctl(s, _SIOCGIFFLAGS, request))[1]
    fcntl.ioctl(s, _SIOCSIFFLAGS, struct.pack('16sh', b'lo', flags | _IFF_UP))


def enter_private_network() -> str:
  """Moves this process into a new network namespace with loopback up.

  Call from the main thread before starting any node: namespaces apply to the
  calling thread and the processes it starts.

  Returns:
    '' on success, else why not (the launch continues unisolated).
  """
  libc = ctypes.CDLL(None, use_errno=True)
  if libc.unshare(CLONE_NEWNET) != 0:
    errno = ctypes.get_errno()
    return (f'unshare(CLONE_NEWNET) failed: {os.strerror(errno)} (needs root '
            'or CAP_SYS_ADMIN)')
  try:
    _bring_loopback_up()
  except OSError as e:
    return f'new network namespace, but loopback could not be brought up: {e}'
  return ''
