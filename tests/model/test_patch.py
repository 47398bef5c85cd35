"""Frame patches: after a whole frame, a terminal that applies each patch holds exactly the frame
the engine published (its encoding, value for value), row lists patched by row identity."""

from __future__ import annotations

import copy
import dataclasses
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cockpit.model import Health, MalformedReply, codec
from cockpit.model.patch import ROWS, apply, apply_patch, diff, frame_patch, patch_frame
from tests.model.frames import big_frames, crash_frames, demo_frames


def _sent(value: object) -> object:
    """`value` as the other end reads it: through one line of JSON."""
    return codec.loads(codec.dumps(value))


def _follow(frames) -> list[int]:
    """Send `frames` as a server does (the first whole, then patches) and check what the terminal
    holds after each, both ways (the encoded frame patched then decoded, and the decoded frame
    patched); the sizes of the patches, in bytes."""
    sent = codec.encode(frames[0])
    held = _sent(sent)
    shown = codec.decode(held)
    sizes = []
    for frame in frames[1:]:
        new = codec.encode(frame)
        line = codec.dumps(frame_patch(sent, new))
        sizes.append(len(line))
        held = apply_patch(held, codec.loads(line))
        assert held == new
        assert codec.encode(codec.decode(held)) == new
        shown = patch_frame(shown, codec.loads(line))
        assert codec.encode(shown) == new
        sent = new
    return sizes


def test_a_second_of_the_demo_is_a_patch_a_third_of_the_frame_or_less():
    frames = demo_frames()
    sizes = _follow(frames)
    full = len(codec.dumps(codec.encode(frames[-1])))
    assert max(sizes) < full / 2, (sizes, full)


def test_the_flash_crash_patches_carry_the_kill_switch():
    frames = crash_frames()
    _follow(frames)
    assert not frames[0].assessment.kill.events and frames[-1].assessment.kill.events


def test_a_500_position_frame_patches_row_by_row():
    first, second = big_frames()
    assert _follow((first, second))
    node = diff(codec.encode(first), codec.encode(second))["*"]["assessment"]["*"]["positions"]
    assert len(node["#"]) == 500 and all(type(e) is list for e in node["#"])  # every mark moved


def test_rows_that_left_are_not_named_new_ones_are_whole_and_the_order_is_kept():
    frame = demo_frames()[0]
    rows = frame.assessment.positions
    moved = (rows[3], rows[0]._replace(mark=None), rows[5], rows[2])
    new = dataclasses.replace(frame, seq=frame.seq + 1,
                              assessment=dataclasses.replace(frame.assessment, positions=moved))
    old_encoded = codec.encode(dataclasses.replace(
        frame, assessment=dataclasses.replace(frame.assessment, positions=rows[:4])))
    node = frame_patch(old_encoded, codec.encode(new))["patch"]["*"]["assessment"]["*"]["positions"]["#"]
    assert node[0] == 3 and node[1] == [0, {"*": {"mark": None}}] and node[3] == 2
    assert node[2] == {"=": codec.encode(rows[5])}  # not in the old frame: sent whole
    assert apply_patch(old_encoded, _sent(frame_patch(old_encoded, codec.encode(new)))) == codec.encode(new)


def test_a_patched_frame_keeps_the_rows_that_did_not_change():
    frames = demo_frames()
    before = codec.decode(codec.encode(frames[0]))
    after = patch_frame(before, frame_patch(codec.encode(frames[0]), codec.encode(frames[1])))
    kept = [row for row in after.assessment.funding if any(row is old for old in before.assessment.funding)]
    assert kept and len(kept) < len(after.assessment.funding)  # the quiet cells, and only those
    assert after.book.accounts[0].info is before.book.accounts[0].info


def test_applying_never_changes_what_it_is_given():
    a, b = (codec.encode(f) for f in demo_frames()[:2])
    before = copy.deepcopy(a)
    apply_patch(a, frame_patch(a, b))
    assert a == before


def test_an_unchanged_frame_is_an_empty_patch():
    a = codec.encode(demo_frames()[0])
    assert frame_patch(a, a)["patch"] is None and apply_patch(a, frame_patch(a, a)) == a
    assert diff(5, None) == {"=": None} and apply(5, diff(5, None)) is None


# -- hypothesis: sequences of frames ----------------------------------------------------------

_ROW_FIELDS = ("positions", "exposures", "funding", "collateral", "playbook", "stress", "proposal")


@st.composite
def _frames(draw) -> object:
    """A real frame reshaped: rows dropped, repeated, reordered or changed; accounts down."""
    frame = draw(st.sampled_from(demo_frames() + crash_frames()))
    assessment = frame.assessment
    changes = {}
    for name in _ROW_FIELDS:
        rows = getattr(assessment, name)
        if rows and draw(st.booleans()):
            picked = draw(st.lists(st.integers(0, len(rows) - 1), max_size=len(rows) + 2))
            changes[name] = tuple(rows[i] for i in picked)
    if assessment.positions and draw(st.booleans()):
        i = draw(st.integers(0, len(assessment.positions) - 1))
        row = assessment.positions[i]
        value = draw(st.sampled_from([None, math.nan, -0.0, 1e300]))
        changes["positions"] = changes.get("positions", assessment.positions)[:i] + (row._replace(mark=value),)
    accounts = list(frame.book.accounts)
    if draw(st.booleans()):
        accounts = [accounts[i] for i in draw(st.lists(st.integers(0, len(accounts) - 1), max_size=8))]
    if accounts and draw(st.booleans()):
        accounts[0] = dataclasses.replace(accounts[0], snapshot=None, health=Health.DOWN, error="gone")
    return dataclasses.replace(
        frame, seq=draw(st.integers(0, 5)),
        book=dataclasses.replace(frame.book, accounts=tuple(accounts)),
        assessment=dataclasses.replace(assessment, **changes),
        notices=tuple(draw(st.lists(st.sampled_from(["filled", "rejected", "é"]), max_size=3))),
        risk_error=draw(st.none() | st.just("risk evaluation failed")),
    )


@settings(max_examples=15, database=None)
@given(st.lists(_frames(), min_size=2, max_size=4))
def test_applying_each_patch_reproduces_each_frame(frames):
    _follow(frames)


# -- hypothesis: any encoded trees, row keys colliding ----------------------------------------

_KEYS = st.sampled_from(["a", "b", "c"])
_LEAF = st.one_of(st.integers(-2, 2), st.sampled_from(["x", "="]), st.none(), st.just({"$f": "nan"}),
                  st.just({"$d": "1.10"}))
_JSON = st.recursive(_LEAF, lambda inner: st.lists(inner, max_size=3)
                     | st.dictionaries(st.sampled_from(["$t", "p", "=", "*", "#"]), inner, max_size=2), max_leaves=8)
_POSITION = st.builds(
    lambda account, symbol, mark: {"$t": "PositionRisk", "key": {"$t": "PositionKey", "account": account,
                                                                  "symbol": symbol}, "mark": mark},
    _KEYS, _KEYS, _LEAF | _JSON)
_ASSESSMENT = st.builds(lambda positions, now: {"$t": "Assessment", "positions": positions, "now": now},
                        st.lists(_POSITION | _LEAF, max_size=6), _JSON)
_TREE = _ASSESSMENT | _JSON | st.builds(lambda a: {"$t": "Frame", "assessment": a}, _ASSESSMENT)


@settings(max_examples=100, database=None)
@given(_TREE, _TREE)
def test_any_two_encoded_values_patch_exactly(old, new):
    node = _sent(diff(old, new))
    assert apply(old, node) == new


def test_every_keyed_list_names_paths_into_its_rows():
    for (name, field), paths in ROWS.items():
        assert name in codec.registered() and paths and all(paths), (name, field)


# -- what does not apply ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def frame_and_patch():
    a, b = (codec.encode(f) for f in demo_frames()[:2])
    return a, frame_patch(a, b)


def _positions(patch: dict) -> dict:
    return patch["patch"]["*"]["assessment"]["*"]["positions"]


def test_a_patch_for_a_row_that_does_not_exist_is_malformed(frame_and_patch):
    a, patch = copy.deepcopy(frame_and_patch)
    _positions(patch)["#"][0] = [99, {"*": {"mark": 1.0}}]
    with pytest.raises(MalformedReply, match=r"^patch: cannot apply at Frame\.assessment\.positions\[99\]: "
                                             r"row 99 does not exist \(there are \d+\)$"):
        apply_patch(a, patch)
    _positions(patch)["#"][0] = -1
    with pytest.raises(MalformedReply, match=r"row -1 does not exist"):
        apply_patch(a, patch)


@pytest.mark.parametrize("node, message", [
    ({"*": {"colour": 1}}, r"at Frame\.assessment\.positions\[0\]: PositionRisk has no field 'colour'"),
    ({"*": {"$t": "Order"}}, r"PositionRisk has no field '\$t'"),
    ({"*": {"key": {"#": [0]}}}, r"positions\[0\]\.key: a row patch for a value that is not a list"),
    ({"*": {"flags": {"*": {"x": 1}}}}, r"positions\[0\]\.flags: a field patch for a value that is not an object"),
    ({"*": [1]}, r"a field patch is \{field: node\}"),
])
def test_a_patch_that_does_not_fit_the_frame_is_malformed(frame_and_patch, node, message):
    a, patch = copy.deepcopy(frame_and_patch)
    _positions(patch)["#"][0] = [0, node]
    with pytest.raises(MalformedReply, match=message):
        apply_patch(a, patch)


def test_a_bad_row_entry_and_a_row_patch_of_an_object_are_malformed(frame_and_patch):
    a, patch = copy.deepcopy(frame_and_patch)
    _positions(patch)["#"][0] = "first"
    with pytest.raises(MalformedReply, match=r"a row entry is i, \[i, node\] or"):
        apply_patch(a, patch)
    patch["patch"]["*"]["assessment"] = {"#": [0]}
    with pytest.raises(MalformedReply, match=r"at Frame\.assessment: a row patch for a value that is not a list"):
        apply_patch(a, patch)


def test_a_patch_for_another_frame_or_not_a_patch_is_malformed(frame_and_patch):
    a, patch = frame_and_patch
    with pytest.raises(MalformedReply, match=r"for frame .*, but the frame held is .*a whole frame is needed"):
        apply_patch(a, patch | {"base": patch["base"] + 7})
    with pytest.raises(MalformedReply, match=r"not a frame patch"):
        apply_patch(a, {k: v for k, v in patch.items() if k != "seq"})
    with pytest.raises(MalformedReply, match=r"made frame .*, not frame"):
        apply_patch(a, patch | {"seq": -3})
    with pytest.raises(MalformedReply, match=r"the base is not an encoded frame"):
        apply_patch(a["book"], patch)


def test_a_truncated_patch_is_malformed(frame_and_patch):
    _, patch = frame_and_patch
    line = codec.dumps(patch)
    for cut in (1, len(line) // 2, len(line) - 2):
        with pytest.raises(MalformedReply, match="wire: not JSON"):
            codec.loads(line[:cut])


def test_a_patch_of_the_decoded_frame_names_where_it_does_not_apply(frame_and_patch):
    a, patch = copy.deepcopy(frame_and_patch)
    frame = codec.decode(a)
    _positions(patch)["#"][0] = [0, {"*": {"mark": "high"}}]
    with pytest.raises(MalformedReply, match=r"^patch: cannot apply at Frame\.assessment\.positions\[0\]: "
                                             r"cannot decode PositionRisk\.mark: expected float \| null, got str$"):
        patch_frame(frame, patch)
    _positions(patch)["#"][0] = [0, {"*": {"count": 1}}]  # a NamedTuple's method is not a field
    with pytest.raises(MalformedReply, match=r"positions\[0\]: PositionRisk has no field 'count'"):
        patch_frame(frame, patch)
    _positions(patch)["#"][0] = [77, {"*": {"mark": 1.0}}]
    with pytest.raises(MalformedReply, match=r"positions\[77\]: row 77 does not exist"):
        patch_frame(frame, patch)
    _positions(patch)["#"][0] = {"=": {"$t": "Nope"}}
    with pytest.raises(MalformedReply, match=r"at Frame\.assessment\.positions: cannot decode Nope: unknown class"):
        patch_frame(frame, patch)
    patch["patch"]["*"]["assessment"] = {"#": [0]}
    with pytest.raises(MalformedReply, match=r"at Frame\.assessment: a row patch for a value that is not a list"):
        patch_frame(frame, patch)
    with pytest.raises(MalformedReply, match=r"a whole frame is needed"):
        patch_frame(frame, patch | {"base": -1})
