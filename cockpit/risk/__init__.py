"""Risk: pure functions over numpy arrays. No I/O, no clock of its own (time is an argument).

The engine calls one object::

    from cockpit.risk import RiskEngine, RiskSettings, SettingsError
    engine = RiskEngine(RiskSettings())
    assessment = engine.evaluate(book, instruments, now)
    engine.reset_kill(now); engine.set_kill_mode("auto")

Modules: `table` (the book as arrays), `exposure`, `liquidation`, `stress`, `volatility`,
`sizing`, `funding` (with the funding stress index), `drawdown`, `collateral`, `playbook`,
`killswitch`, `settings`, `orders` (exact reduce-only sizes and the cost model), `trim` (a trim's
liquidation price before and after, for its confirmation), `history` (the
one ring buffer of sampled histories), `stages` (the steps of one evaluation), `output` (their
rows) and `evaluate`.
"""

from cockpit.risk.evaluate import RiskEngine
from cockpit.risk.killswitch import allows
from cockpit.risk.settings import RiskSettings, SettingsError

__all__ = ["RiskEngine", "RiskSettings", "SettingsError", "allows"]
