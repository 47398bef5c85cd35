"""What every key does and what every column, flag, mark and unit on screen means: the text of the
`?` help and of the command palette's entries. Textual-free.

One source: the legends the screens show (the collateral and playbook panes' border, the funding
pane's, the carry scanner's, the ledger's, the dead-man's switch) are defined or taken from here,
so the help and the screen never say two different things.

A section (`SECTIONS`) explains one pane or screen; the help shows the sections of the screen it
was opened from (`cockpit.ui.screens.help`). An entry's `term` is what is on screen; it explains
every table column header named by `Entry.names` (the term, and each part of a term written
"a/b"), which `tests/ui/test_help.py` checks against every table's columns.
"""

from __future__ import annotations

from typing import NamedTuple

from cockpit.present import carry as pc, deadman, flags, funding as pf, orders as po, plots as pp, privacy

# -- keys ----------------------------------------------------------------------------------------

KEY_HELP: dict[str, str] = {
    "app.quit": "quit this terminal (attached to a guard, the guard carries on)",
    "app.help": "this help: the keys live here and what every figure means",
    "app.commands": "the command palette: every action, every theme",
    "app.screenshot": "save an SVG screenshot in the current directory",
    "view.positions": "show (zoom) the Positions pane",
    "view.funding": "show (zoom) the Funding heatmap",
    "view.collateral": "show (zoom) the Collateral pane",
    "view.playbook": "show (zoom) the Unwind playbook",
    "view.all": "show all four panes (where the terminal is big enough)",
    "view.next": "focus the next pane",
    "view.previous": "focus the previous pane",
    "view.privacy": "privacy mask on/off: money amounts and sizes read ••• on every screen (and in "
                    "screenshots); percentages, APRs, prices stay; remembered across restarts",
    "view.carry": "the carry scanner: per asset the best long/short venue pair net of fees and slippage at your "
                  "size (informs only: sends nothing)",
    "positions.trim_tenth": "trim the selected position by 10% (reduce-only, asks first)",
    "positions.trim": "trim the selected position by 25% (reduce-only, asks first)",
    "positions.trim_half": "trim the selected position by 50% (reduce-only, asks first)",
    "positions.close": "close the selected position (reduce-only, asks first)",
    "positions.apply_flag": "apply the selected row's suggested trim (its OVER flag's), with the usual preview "
                            "and confirmation",
    "positions.sort": "cycle the sort: asset, notional, nearest liquidation, funding bleed",
    "positions.group": "group by asset with net/gross lines, on or off",
    "kill.accept": "accept the kill switch's proposed cut (asks first)",
    "kill.reset": "reset a latched kill switch (only once its cause has cleared)",
    "unwind.start": "emergency unwind: pick a target, preview the plan, start a guided run (or show the run in "
                    "progress)",
    "run.confirm": "send the selected step (step by step)",
    "run.go": "let the run send every step by itself (asks first)",
    "run.pause": "pause the run: orders out finish, nothing new is sent",
    "run.skip": "skip the selected step (reported as skipped)",
    "run.hedge": "confirm the selected blind-venue hedge (asks first: it opens a position)",
    "run.abort": "abort the run (asks first; it is verified and reported)",
    "run.dismiss": "take a finished run off the screen (its report stays)",
    "run.back": "back to the cockpit (the run carries on)",
    "picker.cancel": "back from a list of names, or close the picker",
    "funding.period": "funding heatmap period: now, 1 day, 7 days (mean APR, share of the period positive)",
    "funding.scale": "funding heatmap colour scale: fixed (±150% APR) or relative (the largest shown)",
    "funding.held": "funding heatmap: only the assets you hold, or all",
    "funding.min_oi": "funding heatmap: minimum open interest: off, $1M, $10M, $100M",
    "funding.ledger": "the funding ledger: paid and earned per position, account and day, against the "
                      "cockpit's estimate",
    "ledger.back": "back to the cockpit",
    "ledger.export": "write the ledger's payments as CSV into exports/ beside the journal, for accounting "
                     "(the same file as cockpit funding export --since)",
    "view.orders": "open orders: every order at the venues and every order of ours in flight, across accounts, "
                   "with cancel",
    "orders.cancel": "cancel the selected open order (asks first; a run's step being sent is left to the run)",
    "orders.cancel_all": "cancel every open order of the selected order's account (asks first)",
    "orders.back": "back to the cockpit",
    "view.plots": "plots: the heatmap cell's funding history, the stress index and its drivers, equity and "
                  "drawdown against the caps, the stress table by shock",
    "plots.funding": "plot 1: the selected funding cell's APR over the week, interval changes marked",
    "plots.stress": "plot 2: the funding stress index over the day against REDUCING, WARN and re-entry, and "
                    "the assets that drove it",
    "plots.equity": "plot 3: equity per account, and the book's daily and peak drawdowns against their caps",
    "plots.shocks": "plot 4: the stress table: the book's P&L and the worst maintenance used under each shock",
    "plots.all": "every plot that fits (one at 80x24, two from 100x30, four from 120x40)",
    "plots.next": "the next plot",
    "plots.back": "back to the cockpit",
    "help.close": "close this help",
    "cursor.up": "cursor up (the help: scroll)",
    "cursor.down": "cursor down (the help: scroll)",
    "cursor.left": "cursor left (the heatmap: previous venue)",
    "cursor.right": "cursor right (the heatmap: next venue)",
    "cursor.page_up": "a page up",
    "cursor.page_down": "a page down",
    "cursor.top": "to the top",
    "cursor.bottom": "to the bottom",
    "carry.size": "the size per leg field (enter prices the scanner at it)",
    "carry.back": "back to the cockpit",
    "confirm.ok": "confirm (Cancel has the focus: Enter never confirms)",
    "confirm.cancel": "cancel",
}
"""What each binding id does, in a line (the help and the palette); a key missing here is
described by its short description from the keymap table."""


# -- the glossary --------------------------------------------------------------------------------


class Entry(NamedTuple):
    """One term as it is on screen, and what it means."""

    term: str
    meaning: str

    @property
    def names(self) -> frozenset[str]:
        """The column headers it explains: the term, and each part of a term written "a/b"."""
        return frozenset({self.term, *(part.strip() for part in self.term.split("/"))})


class Section(NamedTuple):
    """The entries that explain one pane or screen."""

    title: str
    entries: tuple[Entry, ...]


def _entries(*pairs: tuple[str, str]) -> tuple[Entry, ...]:
    return tuple(Entry(term, meaning) for term, meaning in pairs)


MAINT = "maintenance margin ÷ equity; 100% = liquidation, so a rising figure is the dangerous direction"
"""Margin ratio's one convention (Binance's "margin ratio"; some venues state the inverse)."""

COLLATERAL_LEGEND = "Maint% = maintenance ÷ equity · 100% = liquidation"
"""The collateral pane's border."""

PLAYBOOK_LEGEND = "maint% = maint. ÷ equity · 100% = liquidation"
"""The playbook pane's border."""

FUNDING_LEGEND = "▲ long ▼ short · $ you earn+/pay− a day · red: longs pay, blue: shorts pay · ? last-known"
"""The funding pane's border (the line under the map says it in full for the view shown)."""

LIMITS = {
    "max-loss": "its loss at the stop would exceed the risk per trade (1% of equity by default)",
    "vol-target": "its volatility exceeds its share of equity",
    "kelly": "larger than a quarter of the Kelly size, net of the funding it pays",
    "leverage": "its account's effective leverage is over the cap (tighter in high volatility)",
    "asset-gross": "the asset's gross exposure is over its cap (2× equity by default)",
    "total-gross": "the book's gross exposure is over its cap (5× equity by default)",
}
"""What each sizing limit a flag names means (`cockpit.present.flags.LIMIT_NAMES`)."""

SIZING_LIMITS = "; ".join(f"{flags.LIMIT_NAMES.get(code, code)}: {meaning}" for code, meaning in LIMITS.items())
"""The sizing limits a position can be over, in words."""

UNITS = _entries(
    ("k / M / B", "thousand / million / billion US dollars (money is USD)"),
    ("—", "unknown: never shown as 0"),
    (privacy.MASK, "a money amount or a size hidden by the privacy mask (its sign kept); percentages, prices, "
                   "times and counts stay"),
    ("*", "a total over partial data: some of what it adds up is unknown"),
    ("%/APR", "an annual rate: a funding rate × (24 ÷ its interval in hours) × 365, from the symbol's own "
              "current interval"),
    ("x / ×", "leverage: notional ÷ equity"),
    ("bp", "basis point: 0.01%"),
    ("s m h d", "seconds, minutes, hours, days"),
    ("UTC", "every time on screen is UTC"),
)

STATUS = _entries(
    ("SIM ×N / LIVE", "the simulator (N times real time) or real venues"),
    ("TRADING / READ-ONLY", "orders on, or off everywhere (TRADING (n read-only): n accounts have orders off); "
                            "read-only refuses every order, trims and cuts included"),
    ("KILL NORMAL/WARN/REDUCING/HALTED", "the kill switch: WARN near a trigger, REDUCING cuts gross (it proposes "
                                         "the cut in advise mode), HALTED: no new risk. Latched: only a person "
                                         "resets it, once its cause has cleared"),
    ("UNWIND 5/21 RUNNING", "a guided unwind is on: steps over / steps, and its state; the unwind key shows it"),
    ("GUARD LOST", "the guard (engine) went away: everything on screen is as of that moment"),
    ("RISK FAILED", "risk evaluation failed: the panes show the last good assessment"),
    ("⚑N", "alerts go out to N targets (phone, chat)"),
    ("MASKED / MASK", "the privacy mask is on: amounts and sizes read " + privacy.MASK),
    ("● ◐ ○", "an account's health: LIVE, STALE (its data stopped; rules never act on it), DOWN (unreachable, "
              "why after it or below); with the age of its data"),
    (*deadman.GLOSSARY.split(": ", 1),),
    ("DMS 42s / 12s! / expired / 0 left", "seconds until the venue cancels the orders; ! refreshes failing; "
                                          "expired: it fired; 0 left: the venue's daily limit is used"),
    ("sim MM-DD HH:MM", "the simulator's own clock"),
)

POSITIONS = _entries(
    ("Account", "one set of credentials on one venue"),
    ("Layer", "where the account's collateral settles: cex, hyperliquid, dydx, starknet, arbitrum, ethereum"),
    ("Asset", "the perp's base asset: hedged legs on several venues stand together under it"),
    ("Side", "LONG or SHORT"),
    ("Size", "the position in base units (contracts for an inverse swap)"),
    ("Notional", "size × mark, USD"),
    ("Entry", "the average entry price"),
    ("Mark", "the venue's mark price"),
    ("uPnL", "unrealized profit (+) or loss (−) at the mark, USD"),
    ("Lev", "the position's leverage"),
    ("Liq", "the liquidation price; cross: none of its own (cross margin: the account is liquidated as a whole)"),
    ("Liq Δ", "how far and which way the mark must move to liquidation: ↓6.5% a fall of 6.5%, ↑ a rise; bold "
              "when nearer than the near-liquidation distance (10% by default)"),
    ("…a (↑396%a)", "the account-level move of a cross account: every price moving together by that much "
                    "liquidates the whole account. Its direction is the account's, not the position's: a long "
                    "in a net-short account is liquidated by a rise. acct: account-level, distance unknown"),
    ("APR", "the funding APR of the position's symbol: + longs pay shorts, − shorts pay longs (left out "
            "where the table is too narrow for the flags beside it: the heatmap shows it)"),
    ("Fund/d", "what the position earns (+) or pays (−) in funding per day at the current rate, USD"),
    ("Flags", "what needs a look, most urgent first: CUT, LIQ, OVER, STALE; \"+1\" where one more does not "
              "fit (the selected row's in full on the pane's lower border)"),
    ("CUT 30%", "the kill switch proposes cutting 30% of this position (the accept key sends it)"),
    ("LIQ 6.4%<10%", "6.4% from liquidation, nearer than the 10% the flag starts at"),
    ("OVER max-loss −11%", "over its tightest sizing limit (by more than 2%), here max-loss; trimming 11% of it "
                           "meets the limit (the apply-flag key does it, asking first). The limits: "
                           + SIZING_LIMITS),
    ("kelly −1%", "a trim within the 2% tolerance over its limit: not flagged"),
    ("STALE 12s", "its account's data is 12 s old (not LIVE): last-known figures, never acted on by the rules; "
                  "on the border in steps (STALE >10s)"),
    ("Σ ASSET net / gross", "the asset across every venue: net = longs − shorts, gross = their sum (USD)"),
    ("eff. lev (gross)", "effective leverage: gross exposure after cross-margin offsets ÷ equity; the gross "
                         "leverage in brackets where offsets make it differ"),
    ("last-known / partial", "accounts shown with their last-known figures; totals that leave something out"),
)

FUNDING = _entries(
    ("stress N/100 (cut at T)", "the funding stress index: how abnormal funding is across all assets × venues "
                                "at once; at T the kill switch goes REDUCING and cuts gross. The bars are its "
                                "recent history, the names after it the cells driving it"),
    ("cell", "the APR now (or its mean over 1 or 7 days) of that asset on that venue"),
    ("▲ / ▼", "you are long / short there"),
    ("$ in a cell", "what you earn (+) or pay (−) there per day (wide cells, period now)"),
    ("% in a cell", "the share of the period its APR was positive (1 day, 7 days)"),
    ("colour", "red: longs pay, blue: shorts pay; full at ±150% (fixed) or at the largest shown (relative)"),
    ("dim ?", "last-known (its account is not LIVE) or no APR: it counts for nothing in the stress index"),
    ("·", "not quoted on that venue"),
    ("card", "the cursor cell: last and predicted rate per interval = APR, the interval and the next payment, "
             "open interest, your funding per day, 1d/7d median APR (share positive), stability: how much it "
             "moves (± APR points)"),
    ("legend", FUNDING_LEGEND),
)

COLLATERAL = _entries(
    ("Account", "one set of credentials on one venue"),
    ("Layer", "where its collateral settles"),
    ("Equity", "the account's value, unrealized PnL included"),
    ("Used", "margin held by its positions"),
    ("Free", "equity − used: what could move or back new risk"),
    ("Withdr", "what the venue lets you withdraw now"),
    ("InFlight", "transfers on their way into or out of the account: not usable until they land"),
    ("Buffer", "the free collateral the account should keep (10% of its gross, at least $500)"),
    ("Short", "shortfall: how far free collateral is below the buffer (bold: it needs money)"),
    ("Maint%", MAINT + "; bold when close to liquidation"),
    ("EffLev", "the account's effective leverage: gross after offsets ÷ equity"),
    ("Rescue", "time to rescue: typically how long until other accounts' surplus (over their own buffers) "
               "covers what this one needs (— unless covered in full). A CEX transfer takes seconds, the "
               "Hyperliquid bridge minutes, Arbitrum → Ethereum days"),
    ("Fastest route in", "the accounts whose surplus would come and the route of the slowest of them; partial: "
                         "$ they can bring of $ needed; uncovered: nobody's surplus can reach it"),
    ("Σ all", "the totals over every account"),
)

PLAYBOOK = _entries(
    ("NORMAL advise / auto", "the kill switch's state and mode: advise proposes its cut and waits for you; "
                             "auto sends it"),
    ("proposes N cuts", "the kill switch's cut, waiting to be accepted (the table shows it instead of the plan)"),
    ("funding stress 3/60", "each trigger: reading / threshold; bold from its warning level; — not live"),
    ("#", "the order the plan runs in"),
    ("Position", "account, asset, L(ong) or S(hort)"),
    ("Cut", "the share of the position the step cuts"),
    ("Cut $", "the notional it cuts, USD"),
    ("Why first", "why it goes then: % from liquidation, loss in the tail or a stress scenario, funding it pays"),
    ("Cost", "estimated cost: taker fees and slippage, USD"),
    ("Covered by", "whose collateral pays the cost: its own account, a rescue from another, or uncovered"),
    ("shock", "the stress table's scenarios: every price moved by that much; tail: the correlated tail, +20% "
              "scaled by each asset's beta"),
    ("PnL", "the book's profit or loss under the shock"),
    ("maint%", f"the worst account after the shock: {MAINT}"),
    ("liq'd / accts", "positions and accounts liquidated by the shock"),
)

CARRY = _entries(
    *((term, meaning) for term, meaning in pc.LEGEND_TERMS),
    ("asset", "the asset both legs trade"),
    ("long / short", "the venue to be long on, and the one to be short on"),
)

LEDGER = _entries(
    ("day (UTC)", "the UTC day of the payments"),
    ("account / symbol", "where they were paid"),
    *((term, meaning) for term, meaning in pf.LEDGER_TERMS),
    ("n", "how many payments the venue booked that day"),
)

PICKER = _entries(
    ("Kill switch's cut", "the cut the kill switch proposes (first when it waits for a person)"),
    ("Flat / gross % / one asset, account, layer", "what the unwind cuts to"),
    ("step by step / running", "you send each step, or it sends them (pause and abort stay yours)"),
    ("plan", "the steps as planned now (re-planned every 2 s); nothing is sent before you confirm"),
)

RUN = _entries(
    ("#", "the step's number"),
    ("kind", "cut (reduce-only orders), hedge (opens an offsetting position for a blind venue: its own "
             "confirmation), bridge (a transfer you carry out by hand), topup (collateral moved within a venue)"),
    ("account / asset", "where the step acts"),
    ("side", "buy or sell"),
    ("amount", "the order size as sent, with its unit"),
    ("est px", "the estimated fill price"),
    ("cost", "estimated fees and slippage, USD"),
    ("liq before→after", "the liquidation price before and after the step"),
    ("why", "why the step is there (+n: more reasons)"),
    ("status", "pending, offered (waits for its own key), sending, done, SHORT (over, short of its target), "
               "FAILED, skipped, blocked (its account is not LIVE), UNKNOWN (a top-up whose outcome is not known, "
               "never sent again: check the venue, then mark it)"),
    ("filled", "how much has filled"),
    ("symbol", "the order's base asset"),
    ("fill px", "the average fill price"),
    ("vs est", "the fill against the estimate in basis points; + is worse for the run"),
    ("net bound", "how far the run lets the book's net exposure stray while it cuts"),
)

ORDERS = _entries(
    ("Account / Venue", "where the order is"),
    ("Asset / Side", "what it trades, buy or sell"),
    ("RO", "reduce-only: it can only shrink a position, never flip it"),
    ("Type", "market or limit"),
    ("Price / Size / Filled", "its limit price (— for market), its size and how much has filled"),
    ("Age", "since it was journaled or placed"),
    ("Client id", "the deterministic id the cockpit gave it (a lost reply is looked up by it, never re-sent)"),
    ("Origin", f"trim, close, kill cut, unwind #n (its step n; rk: ladder rung k), hedge #n, {po.NOT_OURS}: not "
               "sent by the cockpit"),
    ("State", "; ".join(f"{word}: {meaning}" for word, meaning in po.STATES.items())),
)

PLOTS = _entries(
    ("time axis", "counts back to now in seconds, minutes, hours or days, whichever fits the history shown (at "
                  "least a minute)"),
    ("collecting", "the history is still short (a fresh start): how many points and how long so far; a series of "
                   "one point is drawn as a short dash"),
    ("each plot's key", f"{pp.LINE} a series, {pp.LEVEL} a level (a threshold), {pp.EVENT} an event, {pp.BAR} a bar; "
                        "the colours follow the theme"),
    ("Funding history", "the heatmap cursor cell's APR over the week (a mean per bucket); above 0 longs pay; │ "
                        "where the symbol's funding interval changed (the APR is always from the interval in "
                        "force)"),
    ("Funding stress index", "the index over the day (the highest per bucket) against the levels that trip "
                             "REDUCING and WARN and the re-entry level below which it counts as normal again; "
                             "drivers: the assets that pushed it while it was raised, their share and when"),
    ("Equity and drawdown", "equity per account ($k), then the book's drawdown from the UTC day's peak (daily dd) "
                            "and from its all-time peak (peak dd) against their caps"),
    ("Stress table", "the book's P&L under each shock ($k, bars) and the worst account's maintenance margin used "
                     f"after it: {MAINT}"),
)

SECTIONS: dict[str, Section] = {
    "status": Section("Status line", STATUS),
    "positions": Section("Positions", POSITIONS),
    "funding": Section("Funding heatmap", FUNDING),
    "collateral": Section("Collateral", COLLATERAL),
    "playbook": Section("Unwind playbook", PLAYBOOK),
    "carry": Section("Carry scanner", CARRY),
    "ledger": Section("Funding ledger", LEDGER),
    "picker": Section("Unwind picker", PICKER),
    "run": Section("Unwind run", RUN),
    "orders": Section("Open orders", ORDERS),
    "plots": Section("Plots", PLOTS),
    "units": Section("Units and marks", UNITS),
}
"""Every section, by the id screens and panes name it with."""


def explained(section_ids) -> frozenset[str]:
    """Every column header the sections `section_ids` explain."""
    return frozenset(name for sid in section_ids for entry in SECTIONS[sid].entries for name in entry.names)


def key_help(binding_id: str, description: str) -> str:
    """What the key `binding_id` does, in a line (`description`: its short one, when none is here)."""
    return KEY_HELP.get(binding_id, description)
