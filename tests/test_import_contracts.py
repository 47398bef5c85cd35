"""DESIGN.md's package table, enforced statically: the import-linter contracts in pyproject.toml.

`lint-imports` reads every module's import statements (nothing is imported), so a forbidden import
fails here even on a code path no other test runs. tests/test_layering.py checks what is actually
loaded at run time; the two together hold the table.
"""

from __future__ import annotations

import sys
from pathlib import Path

import grimp
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent

# Third-party packages each layer may import; everything else it imports must be the standard library.
ALLOWED_THIRD_PARTY = {
    "cockpit.model": set(),
    "cockpit.risk": {"numpy"},
    "cockpit.sim": {"numpy"},
    "cockpit.present": set(),
    "cockpit.venues": {"ccxt", "httpx"},
}


def test_the_import_contracts_in_pyproject_hold(capsys, monkeypatch):
    # lint-imports finds pyproject.toml and the cockpit package from the working directory.
    monkeypatch.chdir(ROOT)
    monkeypatch.syspath_prepend(str(ROOT))
    status = lint_imports(no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert status == 0, report
    assert "0 broken" in report


def test_each_layer_imports_no_third_party_package_beyond_its_allowance(monkeypatch):
    # A forbidden contract names what may not be imported; this names what may, so a new
    # dependency (scipy in risk, say) fails here before anyone adds it to a contract.
    monkeypatch.syspath_prepend(str(ROOT))
    graph = grimp.build_graph("cockpit", include_external_packages=True, cache_dir=None)
    for package, allowed in ALLOWED_THIRD_PARTY.items():
        imported = set()
        for module in graph.find_descendants(package) | {package}:
            imported |= graph.find_modules_directly_imported_by(module)
        third_party = {
            name.split(".")[0] for name in imported if not name.startswith("cockpit")
        } - set(sys.stdlib_module_names)
        assert third_party <= allowed, f"{package} imports {sorted(third_party - allowed)}"


def test_ccxt_is_loaded_by_name_only_inside_venues():
    # ccxt is imported with importlib (off the start-up path), which lint-imports cannot see:
    # the "only venues imports ccxt" contract holds only if no other package loads it that way.
    loaders = []
    for path in sorted((ROOT / "cockpit").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if ("import_module" in line or "__import__" in line) and "ccxt" in line:
                loaders.append((relative, number))
    assert loaders, "the dynamic ccxt import moved: update this test"
    outside = [f"{p}:{n}" for p, n in loaders if not p.startswith("cockpit/venues/")]
    assert not outside, f"ccxt loaded outside venues at {outside}"


def test_the_contracts_name_every_package_of_the_table():
    # A package added under cockpit/ without a place in the layers contract escapes every rule.
    packages = {
        entry.name for entry in (ROOT / "cockpit").iterdir()
        if entry.is_dir() and not entry.is_symlink() and (entry / "__init__.py").exists()
    }
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    layers_line = next(line for line in text.splitlines() if line.startswith("layers = "))
    named = {part.strip(' "()[]') for part in layers_line.split("=", 1)[1].replace(",", "|").split("|")}
    assert packages <= named, f"not in the layers contract: {sorted(packages - named)}"


def test_the_readme_layout_lists_every_package():
    # README's "Layout of the code" is the newcomer's map: a package missing there is lost.
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    layout = readme.split("## Layout of the code", 1)[1].split("\n## ", 1)[0]
    packages = {
        entry.name for entry in (ROOT / "cockpit").iterdir()
        if entry.is_dir() and not entry.is_symlink() and (entry / "__init__.py").exists()
    }
    missing = {name for name in packages if f"`cockpit/{name}`" not in layout}
    assert not missing, f"not in the README's layout table: {sorted(missing)}"
    assert "`profiles/`" in layout  # venues/profiles: where a new venue goes
    assert "../shared" not in readme
