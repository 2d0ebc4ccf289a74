"""Fetches variables from a remote source in the background.

Behaves like `acme.tf.variable_utils.VariableClient` (same `update(wait)`,
`update_and_wait()`, update period counted in calls), with one difference
that matters at shutdown: the fetch runs in a daemon thread. acme's client
uses a ThreadPoolExecutor, whose threads Python joins at exit; a fetch in
flight to a variable server that has already stopped then holds the actor's
process until the RPC times out, and Launchpad SIGKILLs the whole launch.
"""

import threading
from typing import Any, Mapping, Optional, Sequence

import tensorflow as tf
import tree


class VariableClient:
  """Copies `source.get_variables(names)` into local variables, periodically."""

  def __init__(self, source: Any,
               variables: Mapping[str, Sequence[tf.Variable]],
               update_period: int = 1):
    """Creates the client.

    Args:
      source: has `get_variables(names) -> list per name of arrays`.
      variables: name -> the local variables that receive that name's arrays.
      update_period: `update` calls between two requests.
    """
    self._source = source
    self._names = list(variables)
    self._variables = tree.flatten(list(variables.values()))
    self._update_period = update_period
    self._calls = 0
    self._lock = threading.Lock()
    self._pending = False
    self._result: Optional[Any] = None
    self._error: Optional[BaseException] = None

  def _fetch(self) -> None:
    try:
      result = self._source.get_variables(self._names)
    except Exception as e:  # pylint: disable=broad-except
      result, error = None, e
    else:
      error = None
    with self._lock:
      self._result, self._error, self._pending = result, error, False

  def update(self, wait: bool = False) -> None:
    """Every `update_period` calls, requests variables; copies arrived ones.

    Args:
      wait: fetch and copy now, blocking.

    Raises:
      The source's error, if the last background request failed.
    """
    self._calls += 1
    if wait:
      self.update_and_wait()
      return
    with self._lock:
      result, error = self._result, self._error
      self._result = self._error = None
      start = not self._pending and self._calls >= self._update_period
      if start:
        self._pending = True
        self._calls = 0
    if error is not None:
      raise error
    if result is not None:
      self._copy(result)
    if start:
      threading.Thread(target=self._fetch, daemon=True,
                       name='variable_client').start()

  def update_and_wait(self) -> None:
    """Fetches and copies the variables now."""
    self._calls = 0
    self._copy(self._source.get_variables(self._names))

  def _copy(self, new_variables: Any) -> None:
    new_variables = tree.flatten(new_variables)
    if len(new_variables) != len(self._variables):
      raise ValueError(f'Got {len(new_variables)} arrays for '
                       f'{len(self._variables)} variables.')
    for new, old in zip(new_variables, self._variables):
      old.assign(new)
