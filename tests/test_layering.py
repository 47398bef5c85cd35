"""The package table of DESIGN.md, enforced: who may import what, and startup never waits for ccxt."""

from __future__ import annotations

import subprocess
import sys
import textwrap


def _modules_after(code: str) -> set[str]:
    out = subprocess.run(
        [sys.executable, "-c", code + "\nimport sys; print(' '.join(sorted(sys.modules)))"],
        capture_output=True, text=True, check=True, timeout=120,
    ).stdout.split()
    return set(out)


def test_core_packages_do_not_import_textual_or_ccxt():
    loaded = _modules_after("import cockpit.model, cockpit.risk, cockpit.engine, cockpit.sim")
    assert "textual" not in loaded and "rich" not in loaded
    assert "ccxt" not in loaded


def test_present_is_textual_free():
    loaded = _modules_after("import cockpit.present, cockpit.present.format")
    assert "textual" not in loaded and "rich" not in loaded and "numpy" not in loaded


def test_model_imports_only_the_standard_library():
    loaded = _modules_after("import cockpit.model")
    assert "numpy" not in loaded and "textual" not in loaded


def test_starting_the_app_on_the_simulator_never_imports_ccxt():
    code = textwrap.dedent(
        """
        import asyncio, sys
        from cockpit.engine import Engine
        from cockpit.sim import build_demo
        from cockpit.ui.app import CockpitApp
        from tests.ui.fake_engine import FakeEngine

        async def main():
            session = build_demo(seed=7, clock=lambda: 1_780_000_000.0)
            app = CockpitApp(FakeEngine(Engine(session.venues, sim=session, clock=lambda: 1_780_000_000.0)))
            async with app.run_test(size=(120, 40)) as pilot:
                await app.api.poll()
                await pilot.pause()
                assert app.api.latest.assessment.positions
        asyncio.run(main())
        """
    )
    loaded = _modules_after(code)
    assert "textual" in loaded  # the app did run
    assert "ccxt" not in loaded


def test_an_attached_terminal_loads_neither_numpy_nor_risk_nor_the_simulator():
    # A guard (an engine serving a socket) runs in this process; the terminal is another
    # process that attaches to it, draws its frame, and lists what it imported.
    from cockpit.engine.demo import demo_engine
    from cockpit.engine.local import LocalEngine
    from cockpit.engine.protocol import default_socket

    guard = LocalEngine(demo_engine(seed=7, clock=lambda: 1_780_000_000.0), serve=default_socket())
    guard.start()
    try:
        code = textwrap.dedent(
            f"""
            import asyncio
            from cockpit.engine.remote import RemoteEngine
            from cockpit.ui.app import CockpitApp

            async def main():
                api = RemoteEngine({str(default_socket())!r})
                api.attach()
                app = CockpitApp(api)
                async with app.run_test(size=(120, 40)) as pilot:
                    await pilot.pause()
                    assert app.api.latest.assessment.positions
                api.detach()
            asyncio.run(main())
            """
        )
        loaded = _modules_after(code)
    finally:
        guard.stop()
    assert "textual" in loaded  # the app did run
    heavy = {"numpy", "cockpit.risk", "cockpit.sim", "cockpit.engine.core", "ccxt"} & loaded
    assert heavy == set(), heavy


def test_attaching_reads_the_config_without_pydantic_or_the_venues():
    loaded = _modules_after(
        "from cockpit.startup import look, ui_choices_only\n"
        "import argparse\n"
        "look(argparse.Namespace(theme=None, keymap=None), ui_choices_only())\n"
        "from cockpit.engine.remote import RemoteEngine\n"
        "from cockpit.ui.app import CockpitApp\n")
    assert not {"pydantic", "cockpit.config", "cockpit.venues.profiles", "numpy"} & loaded
