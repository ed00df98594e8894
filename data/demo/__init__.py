"""The synthetic demo dataset (fixed seed): generated, never downloaded, and labelled synthetic wherever shown."""

from data.demo.load import DemoSummary, build_demo
from data.demo.spec import SYNTHETIC_LABEL

__all__ = ["SYNTHETIC_LABEL", "DemoSummary", "build_demo"]
