"""The incident report of a guided unwind run: a JSON-able dict and the Markdown made from it.

Textual-free and pure: a finished `UnwindRun`, its journal rows (`cockpit.engine.journal.JournalRow`:
each order with its average fill price, fee, and when it was journaled and last changed) and what
each position earned per day from funding while it was open, in; the report out. `cockpit.reports`
writes it to disk.

How the figures are made (the report says the same in its notes):

* **Slippage** of a step: its orders' average fill price (weighted by what filled) against the
  plan's estimated price, in basis points, positive when the fill was worse than the estimate
  (lower on a sell, higher on a buy).
* **Cost**: the plan's estimated cost (fees + slippage at depth) for what filled; **realised**: that
  estimate plus the slippage against the estimated price in USD. **Loss against the plan** is the
  difference: what the run cost beyond what its plan said it would.
* **Fees**: the venue's, summed over the step's orders, when every filled order carries one;
  else estimated from the plan's cost for what filled (fees and slippage at depth: an upper bound).
* **Funding during the run** is an estimate: each cut position's funding per day (as last seen
  while it was open) times the time each part of it was still open — the part cut until its last fill, the
  rest until the run ended. Negative: paid. Hedges and positions the run did not touch are not in it.
* **Time to target**: from the run's start to the last fill of the run, when every step reached its
  target; "not reached" otherwise.
"""

from __future__ import annotations

import math
from datetime import datetime, timezone
from typing import Any, Mapping, Sequence

from cockpit.model import OrderStatus, PositionKey
from cockpit.model.unwind import BookFigures, StepKind, StepStatus, TargetKind, UnwindRun, UnwindStep, Why
from cockpit.present.format import DASH, money, pct, unknown
from cockpit.present.privacy import never_masked
from cockpit.present.unwind import route

DAY = 86400.0

NOTES = (
    "Slippage: the fill price against the plan's estimated price, in basis points; positive is worse.",
    "Realised cost: the plan's estimated cost (fees + slippage at depth) for what filled, plus the "
    "slippage against the estimated price; loss against the plan is realised minus estimated.",
    "Fees: the venue's when it reported them for every fill of a step (\"venue\"), else the plan's "
    "estimated cost for what filled (\"estimated\": fees and slippage, an upper bound).",
    "Funding during the run is an estimate: each cut position's funding per day as last seen while "
    "it was open, times the time each part of it stayed open (negative: paid). Hedges are not counted.",
)


def stamp(t: float | None) -> str | None:
    """A POSIX time as ISO 8601 UTC with milliseconds (None stays None)."""
    if t is None:
        return None
    return datetime.fromtimestamp(t, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def target_text(run: UnwindRun) -> str:
    """The run's target in words: "flat", "gross −30%", "asset ETH", "kill-cut"."""
    t = run.target
    if t.kind is TargetKind.GROSS:
        return f"gross −{t.fraction:.0%}"
    return f"{t.kind.value} {t.name}".strip()


def usd(value: float | None, *, signed: bool = False) -> str:
    """Money in a sentence: "$12.3k", "−$310", "+$4" (signed), "—" when unknown."""
    if unknown(value):
        return DASH
    sign = "−" if value < 0 else ("+" if signed and value > 0 else "")
    return f"{sign}${money(abs(value))}"


# -- the data -----------------------------------------------------------------------------------


@never_masked  # a report leaves the program: never the screen's privacy mask
def build_report(run: UnwindRun, rows: Sequence[Any], *,
                 funding: Mapping[PositionKey, float | None] | None = None) -> dict:
    """The report of `run` as a JSON-able dict (module doc for how each figure is made).

    Args:
        rows: the run's journal rows (`JournalRow`), oldest first.
        funding: funding per day (USD; negative: pays) of each position, as last seen while it
            was open; a position missing from it counts as unknown.
    """
    funding = funding or {}
    ended = run.ended if run.ended is not None else max([run.started] + [r.updated for r in rows])
    by_step: dict[int, list[Any]] = {}
    for row in rows:
        by_step.setdefault(_step_of(row), []).append(row)
    steps = [_step_data(run, s, by_step.get(s.seq, []), funding.get(s.key), ended) for s in run.steps]
    return _finite({
        "run": run.id,
        "trigger": run.trigger,
        "target": target_text(run),
        "mode": run.mode.value,
        "state": run.state.value,
        "aborted": run.aborted,
        "started": stamp(run.started),
        "ended": stamp(ended),
        "elapsed_s": round(ended - run.started, 3),
        "note": run.note,
        "summary": _summary(run, steps, rows, ended),
        "before": _figures(run.before),
        "after": _figures(run.after),
        "net_bound": run.net_bound,
        "steps": steps,
        "orders": [_order_data(row) for row in rows],
        "problems": _problems(run, rows),
        "timeline": _timeline(run, rows),
        "notes": list(NOTES),
    })


def _finite(value: Any) -> Any:
    """`value` with every NaN or infinite float made None (unknown), so the JSON is strict."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_finite(v) for v in value]
    return value


def _key(key: PositionKey | None) -> str:
    return DASH if key is None else f"{key.account} {key.symbol}"


def _step_of(row: Any) -> int:
    """The step number in an unwind intent id ``unwind:<run>:<step>:<attempt>:<slice>``."""
    try:
        return int(row.intent_id.split(":")[2])
    except (IndexError, ValueError):
        return 0


def _fill_price(rows: Sequence[Any]) -> float | None:
    """Average fill price over `rows`, weighted by what each filled (None: nothing priced)."""
    priced = [(float(r.average), float(r.filled)) for r in rows if r.average is not None and r.filled > 0]
    qty = sum(q for _, q in priced)
    return sum(p * q for p, q in priced) / qty if qty > 0 else None


def _slippage_bps(step: UnwindStep, fill: float | None) -> float | None:
    if fill is None or not step.est_price:
        return None
    return step.order_side.sign * (fill - step.est_price) / step.est_price * 1e4


def _step_data(run: UnwindRun, step: UnwindStep, rows: list[Any], per_day: float | None,
               ended: float) -> dict:
    share = float(step.filled / step.amount) if step.amount > 0 else 0.0
    fill = _fill_price(rows)
    bps = _slippage_bps(step, fill)
    notional = step.notional * share if step.notional is not None else None
    est = step.est_cost * share if step.est_cost is not None else None
    slip_usd = bps / 1e4 * notional if bps is not None and notional is not None else None
    realised = est + slip_usd if est is not None and slip_usd is not None else est
    fees, source = _fees(rows, est)
    last_fill = max((r.updated for r in rows if r.filled > 0), default=None)
    return {
        "seq": step.seq, "kind": step.kind.value, "account": step.key.account, "symbol": step.key.symbol,
        "asset": step.asset, "side": step.side.value, "order_side": step.order_side.value,
        "why": [w.value for w in step.why], "style": step.style.value, "group": step.group,
        "status": step.status.value, "detail": step.detail, "attempts": step.attempt + 1,
        "planned": str(step.amount), "filled": str(step.filled), "unit": step.unit,
        "notional": step.notional, "est_price": step.est_price, "fill_price": fill, "slippage_bps": bps,
        "est_cost": est, "realised_cost": realised, "fees": fees, "fees_source": source,
        "funding_per_day": per_day, "funding_est": _funding(run, step, per_day, last_fill, ended),
        "last_fill": stamp(last_fill), "orders": [r.client_id for r in rows],
        "hedges": _key(step.hedges) if step.hedges is not None else None,
        "bridge_seconds": step.bridge_seconds, "bridge_amount": step.bridge_amount or None,
    }


def _fees(rows: list[Any], estimated: float | None) -> tuple[float | None, str]:
    """The venue's fees when every filled order has one, else the estimate (module doc)."""
    filled = [r for r in rows if r.filled > 0]
    if not filled:
        return None, ""
    if all(r.fee > 0 for r in filled):
        return sum(r.fee for r in filled), "venue"
    return estimated, "estimated"


def _funding(run: UnwindRun, step: UnwindStep, per_day: float | None, last_fill: float | None,
             ended: float) -> float | None:
    """Funding the step's position earned (negative: paid) while the run lasted (an estimate)."""
    if step.kind is not StepKind.CUT or per_day is None or step.size <= 0:
        return None
    cut = min(float(step.filled / step.size), 1.0)
    until = last_fill if last_fill is not None else ended
    seconds = cut * (until - run.started) + (1.0 - cut) * (ended - run.started)
    return per_day * max(seconds, 0.0) / DAY


def _order_data(row: Any) -> dict:
    return {
        "client_id": row.client_id, "step": _step_of(row), "intent": row.intent_id, "account": row.account,
        "symbol": row.symbol, "side": row.side.value, "amount": str(row.amount), "filled": str(row.filled),
        "status": row.status.value, "average": None if row.average is None else str(row.average),
        "fee": row.fee, "created": stamp(row.created), "updated": stamp(row.updated), "detail": row.detail,
    }


def _figures(figures: BookFigures | None) -> dict | None:
    if figures is None:
        return None
    return {"gross": figures.gross, "net": figures.net, "worst_stress": figures.worst_stress,
            "positions": figures.positions, "margin": {name: ratio for name, ratio in figures.margin}}


def _total(steps: list[dict], field: str) -> float | None:
    values = [s[field] for s in steps if s[field] is not None]
    return sum(values) if values else None


def _difference(a: float | None, b: float | None) -> float | None:
    return a - b if a is not None and b is not None else None


def _weighted_slippage(work: list[dict]) -> tuple[float | None, float | None]:
    """(notional-weighted slippage, worst step's) in bps over the steps that have one."""
    weighted = [(s["slippage_bps"], s["notional"] or 0.0) for s in work if s["slippage_bps"] is not None]
    weight = sum(w for _, w in weighted)
    average = sum(b * w for b, w in weighted) / weight if weight > 0 else None
    return average, max((b for b, _ in weighted), default=None)


def _times(run: UnwindRun, rows: Sequence[Any], reached: bool, ended: float) -> dict:
    last_fill = max((r.updated for r in rows if r.filled > 0), default=None)
    first_order = min((r.created for r in rows), default=None)
    return {
        "time_to_target_s": round(last_fill - run.started, 3) if reached and last_fill is not None else None,
        "execution_s": round(last_fill - first_order, 3) if last_fill is not None and first_order else None,
        "elapsed_s": round(ended - run.started, 3),
    }


def _summary(run: UnwindRun, steps: list[dict], rows: Sequence[Any], ended: float) -> dict:
    # Bridges and top-ups move money, not positions: the target is reached without them (a top-up
    # never confirmed is no failure; one that failed is in "What failed").
    work = [s for s in steps if s["kind"] not in (StepKind.BRIDGE.value, StepKind.TOPUP.value)]
    count = {status.value: sum(1 for s in work if s["status"] == status.value) for status in StepStatus}
    est, realised = _total(work, "est_cost"), _total(work, "realised_cost")
    slippage, worst = _weighted_slippage(work)
    reached = bool(work) and all(s["status"] == StepStatus.DONE.value for s in work)
    return {
        "steps": len(work), "done": count["done"], "short": count["short"], "failed": count["failed"],
        "skipped": count["skipped"], "blocked": len(work) - sum(count[k] for k in ("done", "short", "failed", "skipped")),
        "orders": len(rows),
        "rejected": sum(1 for r in rows if r.status is OrderStatus.REJECTED),
        "unknown": sum(1 for r in rows if r.status is OrderStatus.UNKNOWN),
        "est_cost": est, "realised_cost": realised, "loss_vs_plan": _difference(realised, est),
        "slippage_bps": slippage, "worst_slippage_bps": worst,
        "fees": _total(work, "fees"), "fees_source": "/".join(sorted({s["fees_source"] for s in work} - {""})),
        "funding_est": _total(work, "funding_est"),
        "reached": reached,
        **_times(run, rows, reached, ended),
    }


def _problems(run: UnwindRun, rows: Sequence[Any]) -> list[str]:
    """What failed, and how it was resolved, one line each."""
    out = []
    for b in run.blind:
        out.append(f"{b.account} was {b.health} holding {b.positions} positions ({usd(b.gross)} gross): "
                   f"it could not be cut while blind" + (f" ({b.reason})" if b.reason else ""))
    for key, blind in run.held:
        out.append(f"{_key(key)} held, not cut while {_key(blind)} was blind: it offsets it")
    if run.cancelled:
        out.append(f"{len(run.cancelled)} open orders that added risk were cancelled before planning: "
                   + ", ".join(run.cancelled))
    for row in rows:
        if row.status in (OrderStatus.REJECTED, OrderStatus.UNKNOWN, OrderStatus.CANCELED) or (
                row.detail and row.status is not OrderStatus.FILLED):
            out.append(f"order {row.client_id} (step {_step_of(row)}, {row.account} {row.symbol}) ended "
                       f"{row.status.value}, {row.filled} of {row.amount} filled"
                       + (f": {row.detail}" if row.detail else ""))
    for step in run.steps:
        out += _step_problem(run, step)
    return out


def _step_problem(run: UnwindRun, step: UnwindStep) -> list[str]:
    where = f"step {step.seq} ({step.key.account} {step.key.symbol or step.kind.value})"
    if step.kind is StepKind.HEDGE:
        closed = [s.seq for s in run.steps if Why.BLIND_RETURNED in s.why and s.key == step.key]
        how = (f"closed with its blind position by steps {', '.join(map(str, closed))}" if closed
               else "still open: close it when its venue returns")
        if step.filled <= 0:
            how = "never sent"
        return [f"{where}: hedge for {_key(step.hedges)}, {step.status.value}, {step.filled} of {step.amount}: {how}"]
    if step.kind is StepKind.TOPUP:
        return [] if step.status is StepStatus.DONE else [f"{where}: top-up of {step.amount} {step.unit} into the perp margin "
                f"({route(step)}), {step.status.value}: {step.detail or 'no detail'}"]
    if step.kind is StepKind.BRIDGE:
        return [f"{where}: bridge {usd(step.bridge_amount)} by hand ({step.detail}): "
                f"{'ticked off' if step.status is StepStatus.DONE else 'not ticked off'}"]
    if step.status is StepStatus.DONE and not step.attempt:
        return []
    if step.status is StepStatus.DONE:
        return [f"{where}: rejected at first, replanned; done on attempt {step.attempt + 1}"]
    return [f"{where}: {step.status.value}, {step.filled} of {step.amount} filled: {step.detail or 'no detail'}"]


def _timeline(run: UnwindRun, rows: Sequence[Any]) -> list[dict]:
    """Every decision (the run's events) and order (sent, and its last change), by time."""
    lines = [(t, 0, text) for t, text in run.events]
    for row in rows:
        lines.append((row.created, 1, f"order {row.client_id} journaled: {row.side.value} {row.amount} "
                                      f"{row.symbol} on {row.account} (step {_step_of(row)})"))
        if row.updated > row.created or row.status is not OrderStatus.INTENDED:
            price = f" at {row.average}" if row.average is not None else ""
            why = f" ({row.detail})" if row.detail and row.status is not OrderStatus.FILLED else ""
            lines.append((row.updated, 2, f"order {row.client_id} {row.status.value}: {row.filled} of "
                                          f"{row.amount}{price}{why}"))
    lines.sort(key=lambda x: x[0])  # stable: at the same instant, decisions before their orders
    return [{"time": stamp(t), "t": round(t - run.started, 3), "text": text} for t, _, text in lines]


# -- the Markdown ---------------------------------------------------------------------------------


def _num(value: float | None, fmt: str) -> str:
    return DASH if value is None else format(value, fmt)


def _book_line(name: str, f: dict | None) -> str:
    if f is None:
        return f"| {name} | {DASH} | {DASH} | {DASH} | {DASH} |"
    return f"| {name} | {usd(f['gross'])} | {usd(f['net'], signed=True)} | {usd(f['worst_stress'])} | {f['positions']} |"


def _margin_lines(before: dict | None, after: dict | None) -> list[str]:
    names = list((before or {}).get("margin", {})) or list((after or {}).get("margin", {}))
    if not names:
        return []
    out = ["", "| account | margin ratio before | after |", "|---|---:|---:|"]
    for name in names:
        b = (before or {}).get("margin", {}).get(name)
        a = (after or {}).get("margin", {}).get(name)
        out.append(f"| {name} | {_num(b, '.2f')} | {_num(a, '.2f')} |")
    return out


def _summary_lines(s: dict) -> list[str]:
    reached = (f"{s['time_to_target_s']:.1f} s" if s["reached"] and s["time_to_target_s"] is not None
               else "not reached")
    return [
        f"- Steps: {s['steps']} — {s['done']} done, {s['short']} short, {s['failed']} failed, "
        f"{s['skipped']} skipped, {s['blocked']} not run",
        f"- Orders: {s['orders']} ({s['rejected']} rejected, {s['unknown']} unknown at the end)",
        f"- Time to target: {reached} (run elapsed {s['elapsed_s']:.1f} s)",
        f"- Cost: estimated {usd(s['est_cost'])}, realised {usd(s['realised_cost'])}; "
        f"loss against the plan {usd(s['loss_vs_plan'], signed=True)}",
        f"- Slippage against the estimate: {_num(s['slippage_bps'], '+.1f')} bps (notional-weighted), "
        f"worst step {_num(s['worst_slippage_bps'], '+.1f')} bps",
        f"- Fees: {usd(s['fees'])} ({s['fees_source'] or 'none'})",
        f"- Funding during the run (estimate): {usd(s['funding_est'], signed=True)}"
        + (" (paid)" if (s["funding_est"] or 0) < 0 else ""),
    ]


def _step_row(s: dict) -> str:
    moved = {"bridge": f"bridge to {s['account']}", "topup": f"top-up of {s['account']} ({s['unit']})"}
    what = moved.get(s["kind"], f"{s['account']} {s['symbol']}")
    kind = "" if s["kind"] in ("cut", "topup") else f" ({s['kind']})"
    side = DASH if s["kind"] in moved else s["order_side"]
    price = DASH if s["fill_price"] is None else f"{s['fill_price']:.6g}"
    est = DASH if s["est_price"] is None else f"{s['est_price']:.6g}"
    fees = usd(s["fees"]) + (" est." if s["fees_source"] == "estimated" else "")
    return (f"| {s['seq']} | {what}{kind} | {side} | {s['planned']} | {s['filled']} | {est} | {price} | "
            f"{_num(s['slippage_bps'], '+.1f')} | {fees} | {usd(s['funding_est'], signed=True)} | {s['status']} |")


@never_masked
def report_markdown(data: dict) -> str:
    """The Markdown of a report made by `build_report`."""
    s = data["summary"]
    lines = [
        f"# Unwind report — run {data['run']}",
        "",
        f"- Trigger: {data['trigger']}",
        f"- Target: {data['target']} ({data['mode']} mode)",
        f"- Started: {data['started']}; ended: {data['ended']} ({data['elapsed_s']:.1f} s)",
        f"- Outcome: {data['state']}{' (aborted by a person)' if data['aborted'] else ''} — {data['note']}",
        "",
        "## Summary",
        "",
        *_summary_lines(s),
        "",
        "## The book",
        "",
        "| | gross | net | worst stress loss | positions |",
        "|---|---:|---:|---:|---:|",
        _book_line("before", data["before"]),
        _book_line("after", data["after"]),
        *_margin_lines(data["before"], data["after"]),
        "",
        f"Net bound during the run: {usd(data['net_bound'])}.",
        "",
        "## Steps",
        "",
        "| # | position | order | planned | filled | est. price | fill price | slippage bps | fees | "
        "funding (est.) | status |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---|",
        *(_step_row(step) for step in data["steps"]),
        "",
        "## What failed and how it was resolved",
        "",
        *([f"- {line}" for line in data["problems"]] or ["- Nothing: every step reached its target."]),
        "",
        "## Timeline (UTC)",
        "",
        *(f"- {e['time']} ({e['t']:+.2f} s) {e['text']}" for e in data["timeline"]),
        "",
        "## How the figures are made",
        "",
        *(f"- {note}" for note in data["notes"]),
        "",
    ]
    return "\n".join(lines)


def scores_text(data: dict) -> str:
    """A drill's scores in a few lines: loss against the plan, time to target, slippage, failures."""
    s = data["summary"]
    failed = [f"{st['seq']} {st['status']}" for st in data["steps"]
              if st["kind"] != "bridge" and st["status"] not in ("done",)
              and (st["kind"] != "topup" or st["status"] in ("short", "failed", "unknown"))]
    reached = f"{s['time_to_target_s']:.2f} s" if s["reached"] and s["time_to_target_s"] is not None else "not reached"
    ratio = (s["realised_cost"] / s["est_cost"]) if s["est_cost"] and s["realised_cost"] is not None else None
    return "\n".join([
        f"loss against the plan: {usd(s['loss_vs_plan'], signed=True)} (estimated cost {usd(s['est_cost'])}, "
        f"realised {usd(s['realised_cost'])}" + (f", {pct(ratio, digits=0)} of the estimate)" if ratio else ")"),
        f"time to target: {reached}",
        f"slippage: {_num(s['slippage_bps'], '+.1f')} bps against the estimate "
        f"(worst step {_num(s['worst_slippage_bps'], '+.1f')} bps)",
        f"steps that failed: {len(failed)} of {s['steps']}" + (f" ({', '.join(failed)})" if failed else ""),
    ])
