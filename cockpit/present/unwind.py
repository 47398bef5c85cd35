"""The guided unwind run in words: its target, state, steps, orders and the book each step leaves.

The engine's run (`cockpit.model.unwind.UnwindRun`) carries codes and numbers; this module is
the one place that words them, for the run screen, the target picker and the status line's
marker. Cells are plain strings (the UI styles them); unknown values are "—", never 0.
"""

from __future__ import annotations


from cockpit.model.enums import OrderStatus, Side
from cockpit.model.unwind import (
    BACK, BookFigures, RunMode, RunOrder, RunState, StepKind, StepStatus, TargetKind, UnwindRun, UnwindStep,
    UnwindTarget, Why,
)
from cockpit.present import format as fmt
from cockpit.present.privacy import private

WHY_WORDS: dict[Why, str] = {
    Why.RESCUE_TOO_SLOW: "rescue too slow",
    Why.NEAR_LIQ: "near liquidation",
    Why.STRESS_LOSS: "stress loss",
    Why.FUNDING_BLEED: "funding bleed",
    Why.HEDGED_LEG: "hedged leg",
    Why.TARGET: "to reach the target",
    Why.BLIND_HEDGE: "hedges a blind position",
    Why.BLIND_RETURNED: "blind venue back",
    Why.BRIDGE: "bridge by hand",
    Why.TOPUP_FASTER: "a top-up within the venue lands sooner than a cut",
}
"""Why a step is where it is in the plan, as a person reads it."""

WHY_SHORT: dict[Why, str] = {
    Why.RESCUE_TOO_SLOW: "rescue slow",
    Why.NEAR_LIQ: "near liq",
    Why.STRESS_LOSS: "stress",
    Why.FUNDING_BLEED: "funding",
    Why.HEDGED_LEG: "hedged leg",
    Why.TARGET: "target",
    Why.BLIND_HEDGE: "blind hedge",
    Why.BLIND_RETURNED: "blind back",
    Why.BRIDGE: "bridge",
    Why.TOPUP_FASTER: "top-up faster",
}
"""The same, short enough for the step table's cell."""

STATE_WORDS: dict[RunState, str] = {
    RunState.READY: "READY",
    RunState.RUNNING: "RUNNING",
    RunState.WAITING: "WAITING",
    RunState.PAUSED: "PAUSED",
    RunState.VERIFYING: "VERIFYING",
    RunState.DONE: "DONE",
    RunState.ABORTED: "ABORTED",
}
"""A run's state, as its header and the status line's marker show it."""

MODE_WORDS: dict[RunMode, str] = {RunMode.STEP: "step by step", RunMode.RUNNING: "running"}
"""How a run sends its steps."""

STATUS_WORDS: dict[StepStatus, str] = {
    StepStatus.PENDING: "pending",
    StepStatus.OFFERED: "offered",
    StepStatus.SENDING: "sending",
    StepStatus.DONE: "done",
    StepStatus.SHORT: "SHORT",
    StepStatus.FAILED: "FAILED",
    StepStatus.SKIPPED: "skipped",
    StepStatus.BLOCKED: "blocked",
    StepStatus.UNKNOWN: "UNKNOWN",
}
"""Where a step is; those that need a person's eye are in capitals."""

ORDER_WORDS: dict[OrderStatus, str] = {
    OrderStatus.INTENDED: "sent",  # journaled and on its way: the venue has not answered yet
    OrderStatus.OPEN: "open",
    OrderStatus.PARTIAL: "partial",
    OrderStatus.FILLED: "filled",
    OrderStatus.CANCELED: "canceled",
    OrderStatus.REJECTED: "rejected",
    OrderStatus.UNKNOWN: "unknown",
}
"""An order of the run, as its live list shows it."""


def target_text(target: UnwindTarget) -> str:
    """What a run cuts to: "flat", "gross −30%", "asset ETH", "account dydx", "kill-switch cut"."""
    if target.kind is TargetKind.GROSS:
        return f"gross −{target.fraction:.0%}"
    if target.kind is TargetKind.KILL_CUT:
        return "kill-switch cut"
    return f"{target.kind.value} {target.name}".strip()


def elapsed(seconds: float) -> str:
    """A run's elapsed time as a clock: "0:42", "12:03", "1:02:03"."""
    s = int(max(0.0, seconds))
    hours, rest = divmod(s, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def header_parts(run: UnwindRun, now: float) -> list[str]:
    """The run's first line in parts: target, state, mode, elapsed, and the net bound it keeps."""
    return [f"UNWIND {target_text(run.target)}", STATE_WORDS[run.state], MODE_WORDS[run.mode],
            elapsed(run.elapsed(now)), f"net bound {fmt.money(run.net_bound, dollars=True)}"]


def header(run: UnwindRun, now: float) -> str:
    """The run's first line: "UNWIND flat · WAITING · step by step · 1:15 · net bound $78k"."""
    return " · ".join(header_parts(run, now))


def progress_bar(run: UnwindRun, width: int) -> str:
    """The run's progress as a bar `width` cells wide and its count: "████░░░░ 5/21"."""
    over, total = run.progress
    filled = round(width * over / total) if total else width
    return "█" * filled + "░" * (width - filled) + f" {over}/{total}"


def marker(run: UnwindRun, *, short: bool = False) -> str:
    """The status line's marker of a run: "UNWIND 5/21 RUNNING" (`short`: "UNW 5/21 RUNNING")."""
    over, total = run.progress
    return f"{'UNW' if short else 'UNWIND'} {over}/{total} {STATE_WORDS[run.state]}"


def side_word(side: Side) -> str:
    """An order's side (`UnwindStep.order_side`, `RunOrder.side`) as a verb: "buy" or "sell"."""
    return "buy" if side is Side.LONG else "sell"


def amount(step: UnwindStep, *, compact: bool = True) -> str:
    """A step's order size with its unit: "12.5 ETH", "3 contracts"; a bridge's money. Not
    `compact`: every digit, as a venue's history shows a transfer that is looked for there."""
    if step.kind is StepKind.BRIDGE:
        return fmt.money(step.bridge_amount, dollars=True)
    return f"{fmt.exact(step.amount, compact=compact)} {step.unit or step.asset}"


def why(step: UnwindStep, *, short: bool = False) -> str:
    """Why the step is where it is; a hedge names the blind position it stands for."""
    if step.kind is StepKind.HEDGE and step.hedges is not None:
        side = "L" if step.side.opposite is Side.LONG else "S"
        return hedge_label(step) if not short else f"for {step.hedges.account} {step.asset} {side}"
    words = WHY_SHORT if short else WHY_WORDS
    if short and len(step.why) > 1:
        return f"{words[step.why[0]]} +{len(step.why) - 1}"
    return ", ".join(words[w] for w in step.why) or fmt.DASH


def hedge_label(step: UnwindStep) -> str:
    """A hedge as the screen tags it: "hedge for dydx ETH long" (the blind position it offsets)."""
    blind = step.hedges
    account = blind.account if blind is not None else "?"
    return f"hedge for {account} {step.asset} {step.side.opposite.value}"


def liq(step: UnwindStep) -> str:
    """The position's liquidation price now → after the step ("—" where unknown or none)."""
    if step.kind is not StepKind.CUT:
        return ""
    after = "closed" if step.amount >= step.size and step.size > 0 else fmt.price(step.liq_after)
    return f"{fmt.price(step.liq_before)}→{after}"


def step_cells(step: UnwindStep) -> tuple[str, ...]:
    """A step's cells, in `STEP_COLUMNS` order: seq, kind, account, asset, side, amount, est
    price, est cost, liq before→after, why, status, filled."""
    bridge = step.kind is StepKind.BRIDGE
    transfer = bridge or step.kind is StepKind.TOPUP  # money moved, no order: no asset, side or price
    return (
        str(step.seq),
        step.kind.value,
        step.key.account,
        fmt.DASH if transfer else step.asset,
        "" if transfer else side_word(step.order_side),
        amount(step),
        "" if transfer else fmt.price(step.est_price),
        "" if bridge else fmt.money(step.est_cost),
        liq(step),
        why(step, short=True),
        STATUS_WORDS[step.status],
        "" if bridge else fmt.exact(step.filled),
    )


STEP_COLUMNS = ("seq", "kind", "account", "asset", "side", "amount", "price", "cost", "liq", "why", "status",
                "filled")
"""The keys of `step_cells`, in order."""


def slip_bps(order: RunOrder) -> float | None:
    """How far the fill landed from the estimate, in basis points; positive is worse for the run
    (a sell below its estimate, a buy above). None until a fill price and an estimate are known."""
    if order.price is None or not order.est_price:
        return None
    move = (order.price - order.est_price) / order.est_price * 1e4
    return move if order.side is Side.LONG else -move


def order_cells(order: RunOrder) -> tuple[str, ...]:
    """An order's cells, in `ORDER_COLUMNS` order: step, account, symbol, side, amount, status,
    filled, fill price, slippage against the estimate."""
    bps = slip_bps(order)
    return (
        str(order.step),
        order.account,
        order.symbol.split("/")[0],
        side_word(order.side),
        fmt.exact(order.amount),
        ORDER_WORDS.get(order.status, order.status.value),
        fmt.exact(order.filled),
        fmt.price(order.price),
        fmt.DASH if bps is None else f"{bps:+.1f}bp" if abs(bps) < 99.95 else f"{bps:+.0f}bp",
    )


ORDER_COLUMNS = ("step", "account", "symbol", "side", "amount", "status", "filled", "price", "slip")
"""The keys of `order_cells`, in order."""


def book_line(figures: BookFigures | None, *, before: BookFigures | None = None) -> str:
    """The book as a step leaves it: gross (from what), net, worst stress loss, positions left,
    each account's margin ratio (equity ÷ maintenance; "—" without positions or unknown)."""
    if figures is None:
        return fmt.DASH
    was = f" (from {fmt.money(before.gross)})" if before is not None else ""
    margin = " ".join(f"{name} {_ratio(ratio)}" for name, ratio in figures.margin)
    return (f"gross {fmt.money(figures.gross)}{was} · net {fmt.money(figures.net, signed=True)} · "
            f"worst stress {fmt.money(figures.worst_stress, dollars=True)} · {figures.positions} pos"
            + (f" · margin {margin}" if margin else ""))


def _ratio(ratio: float | None) -> str:
    return fmt.DASH if ratio is None else f"{ratio:.1f}×"


def step_detail(step: UnwindStep, run: UnwindRun, keys: dict[str, str] | None = None) -> str:
    """The selected step in one line: what it is, why, and its detail; then the book it leaves
    (`keys`: the terminal's keys by verb, for a step that waits for one)."""
    if step.kind is StepKind.BRIDGE:
        when = fmt.duration(step.bridge_seconds)
        head = f"step {step.seq} bridge by hand: {private(step.detail) or step.key.account} · takes {when}"
        return head + f" · move {fmt.money(step.bridge_amount, dollars=True)}"
    if step.kind is StepKind.TOPUP:
        return top_up_detail(step, keys)
    what = hedge_label(step) + f": opens a position on {step.key.account}" if step.kind is StepKind.HEDGE \
        else f"{side_word(step.order_side)} {amount(step)} of {step.key.account} {step.key.symbol}"
    parts = [f"step {step.seq} {what}"]
    if step.kind is not StepKind.HEDGE:
        parts.append(why(step))
    if step.time_to_liq is not None:
        parts.append(f"liq in ~{fmt.duration(step.time_to_liq)}")
    if step.rescue_seconds is not None:
        parts.append(f"rescue {fmt.duration(step.rescue_seconds)}")
    if step.detail:
        parts.append(private(step.detail))
    return " · ".join(parts)


def route(step: UnwindStep) -> str:
    """How a top-up moves, in its venue's words ("funding account → unified trading account
    (internal transfer)"); "within its venue" where the venue did not say."""
    return step.route or "within its venue"


def top_up_detail(step: UnwindStep, keys: dict[str, str] | None = None) -> str:
    """A top-up step in one line: what it moves where, how fast, why, and what it restores; one
    whose outcome is unknown says what to check instead."""
    if step.status is StepStatus.UNKNOWN:
        return f"step {step.seq} top-up: " + top_up_check(step, keys) + (f" · {private(step.detail)}" if step.detail else "")
    parts = [f"step {step.seq} top-up: move {amount(step)} into {step.key.account}'s perp margin: {route(step)}",
             f"lands in ~{fmt.duration(step.bridge_seconds)}", why(step)]
    if step.time_to_liq is not None:
        parts.append(f"liq in ~{fmt.duration(step.time_to_liq)}")
    parts.append("no rescue from another layer" if step.rescue_seconds is None
                 else f"rescue from another layer {fmt.duration(step.rescue_seconds)}")
    if step.detail:
        parts.append(private(step.detail))
    return " · ".join(parts)


def top_up_lines(step: UnwindStep) -> list[str]:
    """What the confirmation of a top-up says: the transfer by its venue's route, the margin
    ratio it restores, and what happens if its answer is lost, true for its venue."""
    restored = dict(step.after.margin).get(step.key.account) if step.after is not None else None
    if step.keyed:
        once = ["Sent under its own id, which the venue keeps: sent again after a lost",
                "answer or a restart, it is the same transfer, never a second one."]
    else:
        once = ["The venue keeps no id of ours on it: if its answer is lost it is NOT",
                "sent again; the run pauses for you to check the venue and mark it."]
    return [
        f"Moves {amount(step)} into {step.key.account}'s perp margin: {route(step)}, "
        f"lands in ~{fmt.duration(step.bridge_seconds)}.",
        f"Its margin ratio after it: {_ratio(restored)}. The cuts do not wait for it.",
        *once,
    ]


def top_up_marked_lines(step: UnwindStep) -> list[str]:
    """What marking a top-up whose outcome is unknown as arrived asks first."""
    return [
        f"Only if you found it: {_sought(step)} in {step.key.account}'s transfer history at the",
        f"venue ({route(step)}), since the run started.",
        "It counts as done; cockpit never sends it again either way.",
    ]


def _sought(step: UnwindStep) -> str:
    """What to look for in the venue's history: the transfer by the venue's own id where its
    send answered with one, else its amount."""
    exact = amount(step, compact=False)
    return f"transfer {step.transfer_id} ({exact})" if step.transfer_id else exact


def top_up_check(step: UnwindStep, keys: dict[str, str] | None = None) -> str:
    """What a person checks for a top-up whose outcome is unknown, and how to mark it (`keys`:
    the terminal's keys by verb, "confirm" and "skip"; named in words without them)."""
    keys = keys or {}
    arrived = keys.get("confirm", "confirm")
    missing = keys.get("skip", "skip")
    return (f"outcome UNKNOWN, never sent again: find {_sought(step)} in {step.key.account}'s transfer "
            f"history at the venue; there: {arrived} marks it done; not there: {missing} marks it not done "
            f"(move it by hand if still needed) · {route(step)}")


def blind_line(run: UnwindRun) -> str:
    """The accounts the run cannot reach, and the legs it holds because of them ("" when none)."""
    parts = []
    if run.blind:
        parts.append("blind: " + ", ".join(
            f"{b.account} back (was dark)" if b.health == BACK else
            f"{b.account} {b.health} (" + (f"{b.positions} pos {fmt.money(b.gross, dollars=True)})"
                                          if b.gross is not None else "positions unknown)") for b in run.blind))
    if run.held:
        parts.append("held: " + ", ".join(f"{key.account} {key.symbol.split('/')[0]} ({_held_for(reason)})"
                                           for key, reason in run.held))
    return " · ".join(parts)


def _held_for(reason: object) -> str:
    """Why a leg is held: the blind position it offsets (a key, or its text "account|symbol"), or
    the planner's words."""
    account, symbol = getattr(reason, "account", None), getattr(reason, "symbol", None)
    if account is None and isinstance(reason, str) and "|" in reason:
        account, symbol = reason.split("|", 1)
    if account is None:
        return str(reason)
    return f"offsets blind {account} {str(symbol).split('/')[0]}"


def timeline(run: UnwindRun, lines: int) -> list[str]:
    """The run's last `lines` timeline entries, oldest first: "12:03:04 step 2 done: …"."""
    # The engine's words, with its figures: masked on a screen under the privacy mask.
    if lines <= 0:
        return []
    return [f"{fmt.clock(t)} {private(' '.join(text.split()))}" for t, text in run.events[-lines:]]


def outlook(run: UnwindRun) -> str:
    """What the plan costs and where it leaves the book: "est cost $1.04k · gross 1.33M → 0"."""
    cost = fmt.total(s.est_cost for s in run.steps if s.kind is not StepKind.BRIDGE)
    last = next((s.after for s in reversed(run.steps) if s.after is not None), None)
    gross = (f" · gross {fmt.money(run.before.gross)} → {fmt.money(last.gross)}"
             if run.before is not None and last is not None else "")
    return f"est cost ${cost}{gross}"


def totals(run: UnwindRun) -> str:
    """A plan in one line: "22 steps (1 hedge) · 1 bridge by hand · est cost $1.2k · gross 2.1M → 0"."""
    work = [s for s in run.steps if s.kind is not StepKind.BRIDGE]
    hedges = sum(1 for s in work if s.kind is StepKind.HEDGE)
    bridges = len(run.steps) - len(work)
    extra = (f" ({_count(hedges, 'hedge')})" if hedges else "") + (
        f" · {_count(bridges, 'bridge')} by hand" if bridges else "")
    return f"{_count(len(work), 'step')}{extra} · {outlook(run)}"


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def plan_lines(run: UnwindRun, *, limit: int = 8) -> list[str]:
    """A plan preview as lines: totals, the net bound, blind accounts, then the first steps."""
    lines = [totals(run), f"net bound {fmt.money(run.net_bound, dollars=True)} (|net| never above it)"]
    if blind := blind_line(run):
        lines.append(blind)
    lines.append("")
    for step in run.steps[:limit]:
        lines.append(plan_step_line(step))
    if len(run.steps) > limit:
        lines.append(f"… and {len(run.steps) - limit} more steps")
    return lines


def plan_step_line(step: UnwindStep) -> str:
    """One step of a plan preview: "  3 cut   binance   ETH  sell 12.5 ETH   $40 near liq"."""
    if step.kind is StepKind.BRIDGE:
        return f"{step.seq:>3} bridge {step.key.account:<11} {amount(step)} by hand, {fmt.duration(step.bridge_seconds)}"
    cost = fmt.money(step.est_cost, dollars=True) if step.est_cost is not None else "cost —"
    return (f"{step.seq:>3} {step.kind.value:<6} {step.key.account:<11} {side_word(step.order_side):<4} "
            f"{amount(step):<16} {cost:>6}  {why(step, short=True)}")


def filled_share(step: UnwindStep) -> float:
    """How much of its amount the step has filled (0 to 1)."""
    if step.amount <= 0:
        return 0.0
    return float(min(step.filled, step.amount) / step.amount)



def hedge_lines(step: UnwindStep) -> list[str]:
    """What a hedge's own confirmation states: the one order of a run that opens a position
    (its size exact, as it is sent)."""
    blind = step.hedges
    venue = step.key.account
    price = ("Est. price —   cost unknown (no price)" if step.est_price is None or step.est_cost is None
             else f"Est. price {fmt.price(step.est_price)}   cost {fmt.money(step.est_cost, dollars=True)}")
    back = blind.account if blind is not None else "the blind venue"
    size = fmt.exact(step.amount, compact=False)
    return [
        f"{hedge_label(step)}: opens a position on {venue}",
        f"Order      {side_word(step.order_side).upper()} {size} {step.unit or step.asset} market on {venue} "
        f"({step.key.symbol})",
        price,
        "At most the blind position's size, tagged in the journal;",
        f"closed together with it when {back} is back.",
    ]
