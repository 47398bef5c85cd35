"""The engine: pollers, book state, risk evaluation, the executor and its journal.

Plain asyncio; it knows nothing of Textual. The same engine runs inside the TUI and headless.
"""

from cockpit.engine.core import Engine, EngineSettings
from cockpit.engine.executor import ExecutionError, Outcome, TrimPreview

__all__ = ["Engine", "EngineSettings", "ExecutionError", "Outcome", "TrimPreview"]
