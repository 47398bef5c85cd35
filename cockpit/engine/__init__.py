"""The engine: pollers, book state, risk evaluation, the executor and its journal, and the port
(`cockpit.engine.api.EngineAPI`) through which terminals reach it.

Plain asyncio; it knows nothing of Textual. The same engine runs inside the terminal (on its own
thread, `cockpit.engine.local`) and headless in `cockpit guard`.

The names below are loaded on first use: a terminal attached to a guard imports only the port
(`cockpit.engine.api`, model only), never the engine with its numpy, risk and simulator.
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "Engine": "cockpit.engine.core",
    "EngineSettings": "cockpit.engine.core",
    "ExecutionError": "cockpit.engine.executor",
    "Outcome": "cockpit.engine.executor",
}

__all__ = list(_LAZY)


def __getattr__(name: str) -> Any:
    """Load `Engine` and its companions when first asked for (PEP 562)."""
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'cockpit.engine' has no attribute {name!r}")
