"""No function in cockpit/ above radon's grade C: cyclomatic complexity at most 20.

A function past that has too many paths to read or test one by one; split it into named steps.
Measured with radon's own visitor, so `radon cc -nd cockpit` on the command line lists the same.
"""

from __future__ import annotations

from pathlib import Path

from radon.complexity import cc_rank, cc_visit
from radon.visitors import Function

ROOT = Path(__file__).resolve().parent.parent
CEILING = 20  # the top of grade C

def _functions(blocks, prefix: str = ""):
    """Every function, method and closure with its dotted name; radon scores closures apart."""
    for block in blocks:
        if isinstance(block, Function):
            name = f"{prefix}{block.fullname}"
            yield name, block
            yield from _functions(block.closures, f"{name}.")
        else:  # a class: its own score is not a function's; its methods' are
            yield from _functions([*block.methods, *block.inner_classes], prefix)


def _top_level(code: str):
    """radon lists methods both on their class and on their own: keep them once, on the class."""
    return [b for b in cc_visit(code) if not (isinstance(b, Function) and b.is_method)]


def _scores() -> dict[str, int]:
    scores = {}
    for path in sorted((ROOT / "cockpit").rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if relative.split("/")[1] in {"themes", "keymaps"}:  # data packages (symlinks)
            continue
        for name, function in _functions(_top_level(path.read_text(encoding="utf-8"))):
            scores[f"{relative}:{name}"] = function.complexity
    return scores


def test_no_function_in_cockpit_is_above_grade_c():
    over = {name: score for name, score in _scores().items() if score > CEILING}
    listing = ", ".join(f"{name} {cc_rank(score)} ({score})" for name, score in sorted(over.items()))
    assert not over, f"above grade C (complexity > {CEILING}): {listing}"


def test_the_measure_sees_methods_and_closures():
    # The walk above must not skip what radon reports apart (methods, closures).
    code = (
        "class A:\n"
        "    def m(self, x):\n"
        "        def inner(y):\n"
        "            return 1 if y else 2\n"
        "        return inner if x else None\n"
    )
    names = [name for name, _ in _functions(_top_level(code))]
    assert sorted(names) == ["A.m", "A.m.inner"]
