"""The synthetic demo dataset (fixed seed): generated, never downloaded, and labelled synthetic wherever shown."""

from typing import TYPE_CHECKING, Any

from data.demo.spec import SYNTHETIC_LABEL

if TYPE_CHECKING:
    from data.demo.load import DemoSummary, build_demo


def __getattr__(name: str) -> Any:
    """``build_demo`` and ``DemoSummary`` are imported when first used (PEP 562): the generator and its scipy
    imports are a quarter of a second that a server reading an existing database never needs (issue 14)."""
    if name in ("DemoSummary", "build_demo"):
        from data.demo import load

        return getattr(load, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

__all__ = ["SYNTHETIC_LABEL", "DemoSummary", "build_demo"]
