"""What `pip install .` ships: every package and data file the cockpit imports or reads.

An editable install (the test command's) maps the whole source tree, so a package missing from
pyproject.toml would only show on a user's machine, where `cockpit` would not start.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SETUPTOOLS = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]


def test_every_package_under_cockpit_is_listed():
    listed = set(SETUPTOOLS["packages"])
    found = {".".join(init.parent.relative_to(ROOT).parts) for init in (ROOT / "cockpit").rglob("__init__.py")}
    assert found - listed == set()


def test_data_packages_and_their_files_are_listed():
    listed = set(SETUPTOOLS["packages"])
    data = SETUPTOOLS["package-data"]
    for package, folder in SETUPTOOLS["package-dir"].items():
        assert package in listed and (ROOT / folder / "__init__.py").exists()
        assert any((ROOT / folder).glob(data[package][0]))
    for folder in {toml.parent for toml in (ROOT / "cockpit").rglob("*.toml")}:
        package = ".".join(folder.relative_to(ROOT).parts)
        assert package in listed and "*.toml" in data.get(package, [])
    for folder in {css.parent for css in (ROOT / "cockpit").rglob("*.tcss")}:
        assert "*.tcss" in data.get(".".join(folder.relative_to(ROOT).parts), [])
