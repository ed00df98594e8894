"""``scipy.stats``, loaded when a statistic first needs it rather than when the app starts (issue 14).

Importing ``scipy.stats`` (and the ``scipy.spatial`` it pulls in) is about 0.5 s, paid by every new server's
first page view although the Overview computes no interval or funnel limit. ``stats`` here is the real module,
executed on its first attribute access (the standard library's ``importlib.util.LazyLoader``).
"""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType


def lazy_module(name: str) -> ModuleType:
    """``name`` imported lazily: the module already loaded if it is, else one that loads on first use."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError(name)
    spec.loader = importlib.util.LazyLoader(spec.loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


stats = lazy_module("scipy.stats")
