"""Lazy package attributes (PEP 562): names that load their module on first
use, so that importing a package's config does not import TensorFlow."""

import importlib
from typing import Any, Callable, Dict, List, Mapping, Tuple


def attributes(package: str, package_globals: Dict[str, Any],
               lazy: Mapping[str, str]
               ) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
  """Module `__getattr__` and `__dir__` for `lazy`: name -> module path.

  Use in a package's __init__:
    __getattr__, __dir__ = lazy.attributes(__name__, globals(), _LAZY)
  """

  def __getattr__(name: str) -> Any:  # pylint: disable=invalid-name
    if name in lazy:
      return getattr(importlib.import_module(lazy[name]), name)
    raise AttributeError(f'module {package!r} has no attribute {name!r}')

  def __dir__() -> List[str]:  # pylint: disable=invalid-name
    return sorted(list(package_globals) + list(lazy))

  return __getattr__, __dir__
