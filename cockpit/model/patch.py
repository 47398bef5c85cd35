"""Frame patches: a terminal gets one frame whole, then only what changed.

Patches work on the encoded form (`cockpit.model.codec.encode`), which compares by value (NaN
included), so "changed" is plain equality. A patch node is one of:

* an encoded value: the value it patches is replaced by it. (No encoded value is a one-key
  object whose key is ``=``, ``*`` or ``#``: every encoded object has a ``$`` tag.)
* ``{"=": value}``: the same, for a value that would read as a node (the codec never makes one).
* ``{"*": {field: node, ...}}``: an encoded object (``$t``) of the same class, with only the
  named fields patched; the others are kept.
* ``{"#": [entry, ...]}``: a list of rows with an identity (`ROWS`: positions by key, funding
  cells by asset and venue, ...), rebuilt in the new order, one entry a row: ``i`` keeps the old
  row at index i as it was, ``[i, node]`` keeps it patched by `node`, ``{"=": row}`` is a row that
  is new. A row that left is simply not named.

`frame_patch(old, new)` wraps the root node with the two frames' numbers. A terminal applies it
either to the encoded frame it holds (`apply_patch`, then `codec.decode` of the whole) or, at a
cost that grows with the patch rather than the frame, to the decoded `Frame` itself
(`patch_frame`: only the changed values are decoded; unchanged rows are the same objects as
before). Both refuse a patch whose base is not the frame they are given (a message was missed:
ask for a whole frame). Applying never changes its input. Anything malformed (a row or field that
does not exist, a list patched as an object, a value not of its field's type) is a
`MalformedReply` naming where.
"""

from __future__ import annotations

from typing import Any, Callable

from cockpit.model import codec
from cockpit.model.errors import MalformedReply
from cockpit.model.frame import Frame

Path = tuple[str | int, ...]

ROWS: dict[tuple[str, str], tuple[Path, ...]] = {
    ("Book", "accounts"): (("info", "name"),),
    ("VenueSnapshot", "positions"): (("symbol",), ("side", "v")),
    ("VenueSnapshot", "funding"): (("symbol",),),
    ("VenueSnapshot", "marks"): ((0,),),
    ("Assessment", "positions"): (("key", "account"), ("key", "symbol")),
    ("Assessment", "exposures"): (("asset",),),
    ("Assessment", "funding"): (("asset",), ("venue",)),
    ("Assessment", "collateral"): (("account",),),
    ("Assessment", "playbook"): (("key", "account"), ("key", "symbol")),
    ("Assessment", "stress"): (("name",),),
    ("Assessment", "proposal"): (("intent", "id"),),
    ("CarryScan", "pairs"): (("asset",), ("long_venue",), ("short_venue",)),
    ("StressRow", "margin_ratios"): ((0,),),
    ("KillState", "levels"): ((0,),),
    ("Frame", "dead_man"): (("account",),),
    ("Frame", "funding_stats"): (("asset",), ("venue",)),
    ("Frame", "working"): (("client_id",),),
    ("FundingLedger", "lines"): (("day",), ("account",), ("symbol",)),
    ("Plots", "funding"): (("asset",), ("venue",)),
    ("FundingHistory", "apr"): ((0,),),
    ("StressHistory", "index"): ((0,),),
    ("EquityHistory", "accounts"): (("name",),),
    ("EquityHistory", "book"): ((0,),),
    ("EquityHistory", "drawdown_daily"): ((0,),),
    ("EquityHistory", "drawdown_peak"): ((0,),),
    ("Series", "points"): ((0,),),
}
"""The lists patched row by row, by (class, field): each row's identity is the values at these
paths in the encoded row. Rows of a list not named here are resent whole when any changes."""


class _Bad(Exception):
    """A patch that does not apply: the reason, and the path gathered while unwinding."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str] = []


# -- making patches ---------------------------------------------------------------------------


_OPS = ("=", "*", "#")


def _is_node(value: Any) -> bool:
    return type(value) is dict and len(value) == 1 and next(iter(value)) in _OPS


def diff(old: Any, new: Any) -> Any:
    """The patch node that turns encoded `old` into encoded `new`; None when they are equal."""
    if old == new:
        return None
    node = _diff(old, new, None)
    return {"=": None} if node is None else node  # a bare None here reads as "no change"


def _diff(old: Any, new: Any, rows: tuple[Path, ...] | None) -> Any:
    """`old != new` already; rows: the identity of their rows when they are keyed lists."""
    if type(old) is dict and type(new) is dict:
        name = new.get("$t")
        if type(name) is str and old.get("$t") == name and old.keys() == new.keys():
            changed = {}
            for field, value in new.items():
                before = old[field]
                if before != value:
                    changed[field] = _diff(before, value, ROWS.get((name, field)))
            return {"*": changed}
    elif rows is not None and type(old) is list and type(new) is list:
        node = _diff_rows(old, new, rows)
        if node is not None:
            return node
    return {"=": new} if _is_node(new) else new


def _row_key(row: Any, rows: tuple[Path, ...]) -> tuple | None:
    try:
        key = tuple(_at(row, path) for path in rows)
        hash(key)
    except (KeyError, IndexError, TypeError):
        return None  # not a row of the expected shape: it never matches, it is sent whole
    return key


def _at(value: Any, path: Path) -> Any:
    for step in path:
        value = value[step]
    return value


def _diff_rows(old: list, new: list, rows: tuple[Path, ...]) -> dict | None:
    """The row-by-row node, or None when no row of `new` was in `old` (replace it whole)."""
    where: dict[tuple, list[int]] = {}
    for i in range(len(old) - 1, -1, -1):  # reversed, so pop() gives the first of equal keys
        key = _row_key(old[i], rows)
        if key is not None:
            where.setdefault(key, []).append(i)
    entries: list[Any] = []
    kept = 0
    for row in new:
        key = _row_key(row, rows)
        found = where.get(key) if key is not None else None
        if not found:
            entries.append({"=": row})
            continue
        i = found.pop()
        kept += 1
        before = old[i]
        entries.append(i if before == row else [i, _diff(before, row, None)])
    return {"#": entries} if kept else None


def frame_patch(old: dict, new: dict) -> dict:
    """The patch from encoded frame `old` to encoded frame `new` (both `codec.encode(frame)`):
    ``{"base": old seq, "seq": new seq, "patch": node or None}`` (None: nothing changed)."""
    return {"base": old.get("seq"), "seq": new.get("seq"), "patch": diff(old, new)}


# -- applying patches -------------------------------------------------------------------------


def apply(old: Any, node: Any) -> Any:
    """Encoded `old` with patch `node` applied (`old` itself is not changed); None: no change.

    Raises `MalformedReply` ("patch: cannot apply at {where}: {what}") for a node that does not
    apply to `old`.
    """
    if node is None:
        return old
    try:
        return _apply(old, node)
    except _Bad as bad:
        top = old.get("$t") if type(old) is dict else None
        where = (top if isinstance(top, str) else "value") + "".join(bad.path)
        raise MalformedReply(f"patch: cannot apply at {where}: {bad.reason}") from None
    except RecursionError:
        raise MalformedReply("patch: nested too deep") from None


def _check_patch(patch: Any) -> None:
    if type(patch) is not dict or set(patch) != {"base", "seq", "patch"}:
        raise MalformedReply(f"patch: not a frame patch (expected base, seq and patch): {str(patch)[:60]}")


def _missed(base: Any, held: Any) -> MalformedReply:
    return MalformedReply(f"patch: for frame {base!r}, but the frame held is {held!r} "
                          "(a patch was missed: a whole frame is needed)")


def apply_patch(old: dict, patch: Any) -> dict:
    """Encoded frame `old` brought to the frame `patch` (from `frame_patch`) describes.

    Raises `MalformedReply` when `patch` is not a frame patch, when its base is not `old`'s
    number (a patch was missed or repeated: the terminal needs a whole frame), or when it does not
    apply (see `apply`).
    """
    _check_patch(patch)
    if type(old) is not dict or old.get("$t") != "Frame":
        raise MalformedReply("patch: the base is not an encoded frame")
    if patch["base"] != old.get("seq"):
        raise _missed(patch["base"], old.get("seq"))
    new = apply(old, patch["patch"])
    if type(new) is not dict or new.get("seq") != patch["seq"]:
        raise MalformedReply(f"patch: made frame {new.get('seq') if type(new) is dict else None!r}, "
                             f"not frame {patch['seq']!r}")
    return new


def _apply(old: Any, node: Any) -> Any:
    if not _is_node(node):
        return node  # an encoded value: the replacement
    ((op, arg),) = node.items()
    if op == "*":
        return _apply_fields(old, arg)
    if op == "#":
        return _apply_rows(old, arg)
    return arg  # "="


def _apply_fields(old: Any, fields: Any) -> dict:
    if type(old) is not dict or "$t" not in old:
        raise _Bad(f"a field patch for a value that is not an object: {str(old)[:60]}")
    if type(fields) is not dict:
        raise _Bad(f"a field patch is {{field: node}}, not {str(fields)[:60]}")
    out = dict(old)
    for field, sub in fields.items():
        if field == "$t" or field not in old:
            raise _Bad(f"{old['$t']} has no field {field!r}")
        try:
            out[field] = _apply(old[field], sub)
        except _Bad as bad:
            bad.path.insert(0, f".{field}")
            raise
    return out


def _apply_rows(old: Any, entries: Any) -> list:
    return _rows(old, entries, list, _apply, lambda row: row)


def _rows(old: Any, entries: Any, kind: type, patch: Callable[[Any, Any], Any],
          fresh: Callable[[Any], Any]) -> Any:
    """Row list `old` (a `kind`: encoded lists, decoded tuples) with the row patch `entries`
    applied: each entry keeps row i, patches it (`patch`), or is a new row (`fresh`)."""
    if type(old) is not kind:
        raise _Bad(f"a row patch for a value that is not a list: {str(old)[:60]}")
    if type(entries) is not list:
        raise _Bad(f"a row patch is a list of entries, not {str(entries)[:60]}")
    out = []
    for entry in entries:
        form = type(entry)
        if form is int:
            out.append(_row(old, entry))
        elif form is list and len(entry) == 2 and type(entry[0]) is int:
            try:
                out.append(patch(_row(old, entry[0]), entry[1]))
            except _Bad as bad:
                bad.path.insert(0, f"[{entry[0]}]")
                raise
        elif form is dict and len(entry) == 1 and "=" in entry:
            out.append(fresh(entry["="]))
        else:
            raise _Bad(f"a row entry is i, [i, node] or {{\"=\": row}}, not {str(entry)[:60]}")
    return out if kind is list else tuple(out)


def _row(old: list, i: int) -> Any:
    if not 0 <= i < len(old):
        raise _Bad(f"row {i} does not exist (there are {len(old)})")
    return old[i]


# -- applying patches to decoded values -------------------------------------------------------


def patch_frame(frame: Frame, patch: Any) -> Frame:
    """`frame` brought to the frame `patch` (from `frame_patch`) describes, decoding only what
    changed: what `codec.decode(apply_patch(codec.encode(frame), patch))` gives, in time that
    grows with the patch. Unchanged values (rows, snapshots) are the objects `frame` holds.

    Raises `MalformedReply` as `apply_patch` does, and for a changed value that does not decode
    or is not of its field's type.
    """
    _check_patch(patch)
    if not isinstance(frame, Frame):
        raise MalformedReply(f"patch: the base is a {type(frame).__name__}, not a frame")
    if patch["base"] != frame.seq:
        raise _missed(patch["base"], frame.seq)
    node = patch["patch"]
    if node is None:
        return frame
    try:
        new = _patch(frame, node)
    except _Bad as bad:
        raise MalformedReply(f"patch: cannot apply at Frame{''.join(bad.path)}: {bad.reason}") from None
    except RecursionError:
        raise MalformedReply("patch: nested too deep") from None
    if not isinstance(new, Frame) or new.seq != patch["seq"]:
        raise MalformedReply(f"patch: made {type(new).__name__} {getattr(new, 'seq', None)!r}, "
                             f"not frame {patch['seq']!r}")
    return new


def _decoded(data: Any) -> Any:
    try:
        return codec.decode(data, source="")
    except MalformedReply as error:
        raise _Bad(str(error)) from None


_SCALARS = frozenset({type(None), bool, int, float, str})


def _patch(old: Any, node: Any) -> Any:
    if type(node) in _SCALARS:  # most changes: a number in place of a number
        return node
    if not _is_node(node):
        return _decoded(node)
    ((op, arg),) = node.items()
    if op == "*":
        return _patch_fields(old, arg)
    if op == "#":
        return _patch_rows(old, arg)
    return _decoded(arg)  # "="


def _patch_fields(old: Any, fields: Any) -> Any:
    names = codec.fields_of(old)
    if names is None:
        raise _Bad(f"a field patch for a value that is not an object: {str(old)[:60]}")
    if type(fields) is not dict:
        raise _Bad(f"a field patch is {{field: node}}, not {str(fields)[:60]}")
    changes = {}
    for field, sub in fields.items():
        if field not in names:
            raise _Bad(f"{type(old).__name__} has no field {field!r}")
        try:
            changes[field] = _patch(getattr(old, field), sub)
        except _Bad as bad:
            bad.path.insert(0, f".{field}")
            raise
    try:
        return codec.rebuild(old, changes, source="")
    except MalformedReply as error:
        raise _Bad(str(error)) from None


def _patch_rows(old: Any, entries: Any) -> tuple:
    return _rows(old, entries, tuple, _patch, _decoded)
