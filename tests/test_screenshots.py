"""`python -m screenshots`: the plots' pictures are the same bytes on every run (the engine stepped
one poll and one frame at a time under a frozen clock, `SteppedEngine`) and show lines, not empty
frames. Before, a live 600x simulator sampled the history at load-dependent moments."""

from __future__ import annotations

import asyncio
import re

import screenshots.__main__ as shots

BRAILLE = re.compile("[\u2801-\u28ff]")


def test_a_plot_screenshot_is_the_same_on_every_run_and_draws_its_line(tmp_path, monkeypatch):
    name = "plots-stress-80x24.svg"
    shot = next(s for s in shots.PLOTS_SHOTS if s[0] == name)
    pictures = []
    for run in ("one", "two"):
        folder = tmp_path / run
        folder.mkdir()
        monkeypatch.setattr(shots, "HERE", folder)
        asyncio.run(shots.shoot_plots(*shot))
        pictures.append((folder / name).read_bytes())
    assert pictures[0] == pictures[1]
    text = pictures[0].decode()
    assert len(BRAILLE.findall(text)) > 40  # the index drawn as a braille line over the day
    assert "now" in text and "hours&#160;ago" in text
