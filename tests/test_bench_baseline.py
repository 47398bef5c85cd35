"""The byte benchmark's baseline (`bench/live_baseline.py`) draws what the cockpit shows, with the
cockpit's own cell functions: when those change, the baseline must still draw (it broke once, and
`python -m bench bytes` then failed before its first frame)."""

from __future__ import annotations

import asyncio

from rich.console import Console

from bench.live_baseline import screen
from cockpit.engine.demo import demo_engine
from cockpit.ui.themes import THEME_VARIABLE_DEFAULTS, load_theme


def test_the_baseline_draws_the_demo_book_as_the_cockpit_does():
    frame = asyncio.run(demo_engine(seed=7).poll_once())
    colors = {**THEME_VARIABLE_DEFAULTS, **(load_theme("cockpit-dark").variables or {})}
    console = Console(width=120, height=40, record=True, color_system=None, file=open("/dev/null", "w"))
    console.print(screen(frame, colors, 120), height=40)
    text = console.export_text()
    assert "1 Positions" in text and "3 Collateral" in text and "4 Playbook" in text
    assert "binance" in text and "hyperliquid" in text
    assert "Σ ETH" in text and "SHORT" in text  # rows and per-asset lines, as the cockpit writes them
