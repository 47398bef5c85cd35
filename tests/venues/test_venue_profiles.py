"""Venue profiles: every profile declares every fact, every secret it has is scrubbed, nothing
outside the profiles tests a venue's name, and any other ccxt venue works read-only."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

from cockpit.model import Layer
from cockpit.model.commands import Trim, trim_intent
from cockpit.redact import credential_names, scrub
from cockpit.venues.profiles import PROFILES, UnknownVenue, VenueProfile, profile_for
from cockpit.venues.profiles.base import CLIENT_ID_FORMATS

ROOT = Path(__file__).resolve().parents[2]
SIX = ("binanceusdm", "bybit", "okx", "hyperliquid", "dydx", "paradex")


def all_profiles() -> list[VenueProfile]:
    """The six profiles and the generic one (for a venue ccxt knows)."""
    return [*PROFILES.values(), profile_for("woofipro")]


def test_the_six_venues_have_their_own_profile():
    assert set(PROFILES) == set(SIX)  # found by file: profiles/<venue>.py
    assert all(p.trading and p.read_only_reason() is None for p in PROFILES.values())


@pytest.mark.parametrize("profile", all_profiles(), ids=repr)
def test_every_profile_declares_every_fact(profile):
    # Set by the profile itself (its class, or the generic one's instance), not inherited blank.
    own = {k for cls in type(profile).__mro__ if cls is not VenueProfile for k in vars(cls)}
    own |= set(getattr(profile, "__dict__", {}))
    missing = [fact for fact in VenueProfile.FACTS if fact not in own]
    assert not missing, f"{profile.venue} does not declare {missing}"
    assert isinstance(profile.layer, Layer) and profile.client_id in CLIENT_ID_FORMATS
    assert profile.credentials and isinstance(profile.title, str) and profile.title
    assert profile.funding_hours is None or profile.funding_hours > 0
    # The adapter reads the account's collateral through the profile: it must say how.
    assert type(profile).collateral is not VenueProfile.collateral


@pytest.mark.parametrize("profile", all_profiles(), ids=repr)
def test_every_secret_credential_of_every_profile_is_scrubbed(profile):
    value = "Zq7-not-a-real-value-4242"
    names = set(profile.secret_names())
    for cred in profile.credentials:
        if cred.secret:
            assert {cred.name, cred.ccxt_key.removeprefix("options.")} <= names
    for name in names:
        assert name.lower() in credential_names()  # pushed into redact when profiles loaded
        for text in (f"GET /x?{name}={value}&a=1", f"{{'{name}': '{value}'}}",
                     f'{{"{name}": "{value}"}}', f"{name}: {value}"):
            assert value not in scrub(text), (profile.venue, text)


def test_addresses_are_identifiers_not_secrets():
    # A wallet address is shown (masked in part) by `keys list`: declared so on purpose.
    for profile in all_profiles():
        for cred in profile.credentials:
            assert cred.secret is (cred.name != "walletAddress" and cred.name not in (
                "uid", "accountId", "login")), (profile.venue, cred.name)


def _code(path: Path) -> str:
    text = path.read_text()
    if path.name == "config.py":  # the commented template names venues as examples
        text = text.split("TEMPLATE = ", 1)[0]
    return text


def test_no_venue_name_is_tested_outside_the_profiles():
    # The simulator names its own venues after the real ones, and the model's layers share two
    # names with venues: neither is a branch on a venue.
    skip = ("cockpit/venues/profiles/", "cockpit/sim/", "cockpit/model/")
    quoted = re.compile(r"""["'](%s)["']""" % "|".join(SIX))
    found = [f"{path.relative_to(ROOT)}: {m.group(0)}"
             for path in sorted((ROOT / "cockpit").rglob("*.py"))
             if not str(path.relative_to(ROOT)).startswith(skip)
             for m in quoted.finditer(_code(path))]
    assert found == []


def test_a_venue_ccxt_does_not_know_is_refused_by_name():
    with pytest.raises(UnknownVenue, match="unknown venue 'bnance'; use one of binanceusdm"):
        profile_for("bnance")
    for bad in ("", "../okx", "__init__", "base"):
        with pytest.raises(UnknownVenue):
            profile_for(bad)


# -- a venue without a profile, end to end on ccxt's recorded WOOFi Pro replies --------------------

WOO_KEYS = {"apiKey": "ed25519:8ZLvT4rTzVmyNUQ3cDqxsWJbHaS1yRZJGKbxYVLsWBYh",
            "secret": "USxhdMQhkMoYC52vEK6giwuQeu2F5SWuXeqS3EeyidB",  # base58 of a 32-byte seed
            "accountId": "0x0e6e6c0d0c5b2f1e1f3c6d5f9c3b2f6e1d3c4b5a69788796a5b4c3d2e1f00112"}


def woofipro_config(tmp_path, url: str) -> Path:
    """A config with one WOOFi Pro account on the replay server (`venue` is all it says)."""
    path = tmp_path / "config.toml"
    path.write_text(f'[[accounts]]\nname = "woo"\nvenue = "woofipro"\nreadonly = false\n'
                    f'api_url = "{url}/woofipro"\n')
    path.chmod(0o600)
    return path


async def test_a_venue_without_a_profile_is_read_only_by_config_alone(replay, store, tmp_path):
    from decimal import Decimal

    from cockpit.config import load_config
    from cockpit.engine import Engine, ExecutionError
    from cockpit.model import OrderRequest, PositionKey, Side
    from cockpit.model.errors import NotSupported
    from cockpit.venues.open import open_account
    from tests.engine.fakes import NullRisk
    from tests.fixtures.keys import put_keys

    config = load_config(woofipro_config(tmp_path, replay.url))
    acc = config.accounts[0].venue_account()
    assert (acc.venue, acc.layer, acc.readonly) == ("woofipro", Layer.CEX, False)
    put_keys(store, "woofipro", "woo", **WOO_KEYS)
    venue = open_account(acc, secrets=store, rate_limit=False, timeout=2.0)
    reason = "woofipro is read-only: no cockpit profile; see README 'Adding a venue'"
    assert venue.info.readonly and venue.info.readonly_reason == reason
    try:
        await venue.connect()
        snap = await venue.snapshot()
        (pos,) = snap.positions  # BTC short 5 at 27908.14386047 (recorded)
        assert (pos.symbol, pos.side, pos.size, pos.entry_price) == (
            "BTC/USDC:USDC", Side.SHORT, Decimal(5), Decimal("27908.14386047"))
        assert float(pos.mark_price) == 27794.9 and float(pos.liquidation_price) == 117335.92899428
        assert pos.unrealized_pnl == pytest.approx(354.858492)
        # Unified ccxt has no margins for it: unknown, never 0.
        assert pos.initial_margin is None and pos.maintenance_margin is None
        c = snap.collateral  # holding 146.86 USDC of which 23 frozen
        assert (c.currency, c.equity, c.used, c.free) == ("USDC", 146.86, 23.0, 123.86)
        assert c.withdrawable is None and c.maintenance is None and c.margin_ratio is None
        btc = next(q for q in snap.funding if q.symbol == "BTC/USDC:USDC")
        # next funding 1706716800000 - last 1706688000000 = 8 h
        assert (btc.rate, btc.interval_hours) == (0.00012, 8.0)
        assert {q.asset for q in snap.funding} == {"BTC", "ETH", "LTC"}
        assert [o.symbol for o in snap.open_orders] == ["LTC/USDC:USDC"]
        with pytest.raises(NotSupported, match=re.escape(reason)):
            await venue.place_order(OrderRequest(
                client_id="trim-1", account="woo", symbol="BTC/USDC:USDC", side=Side.LONG,
                amount=Decimal(1), reduce_only=True))
        with pytest.raises(NotSupported, match=re.escape(reason)):
            await venue.cancel_order("trim-1", "BTC/USDC:USDC")
    finally:
        await venue.close()
    # Through the engine: a trim is refused before anything is sent, with the same one line.
    engine = Engine([open_account(acc, secrets=store, rate_limit=False, timeout=2.0)],
                    risk=NullRisk())
    try:
        await engine.poll_once()
        with pytest.raises(ExecutionError, match=re.escape(reason)):
            engine.preview(trim_intent(Trim(PositionKey("woo", "BTC/USDC:USDC"), 0.5)))
    finally:
        await engine.stop()
    assert not [r for r in replay.requests if r.method != "GET"]


def test_a_venue_ccxt_does_not_know_is_a_config_error_naming_the_field(tmp_path):
    from cockpit.cli import main

    path = tmp_path / "config.toml"
    path.write_text('[[accounts]]\nname = "x"\nvenue = "nosuchvenue"\n')
    path.chmod(0o600)
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        code = main(["--config", str(path)])
    lines = err.getvalue().strip().splitlines()
    assert code == 2 and len(lines) == 1
    assert "accounts[0].venue: unknown venue 'nosuchvenue'" in lines[0]


def test_keys_set_asks_a_venue_without_a_profile_for_what_ccxt_requires(tmp_path, store):
    from cockpit.cli import keys_main

    path = tmp_path / "config.toml"
    path.write_text('[[accounts]]\nname = "woo"\nvenue = "woofipro"\n')
    path.chmod(0o600)
    asked: list[str] = []
    answers = [WOO_KEYS["apiKey"], WOO_KEYS["secret"], WOO_KEYS["accountId"]]

    def prompt(text):
        asked.append(text)
        return answers.pop(0)

    out = io.StringIO()
    assert keys_main(["set", "woo"], path, store=store, prompt=prompt, out=out) == 0
    assert [a.split(" for ")[0] for a in asked] == ["API key", "API secret", "account id"]
    assert WOO_KEYS["secret"] not in out.getvalue()
    assert store.present("woofipro", "woo", ["apiKey", "secret", "accountId"]) == {
        "apiKey": True, "secret": True, "accountId": True}


@pytest.mark.parametrize("venue", ["bitget", "gate", "kucoinfutures", "woofipro"])
def test_any_ccxt_venue_is_configured_by_its_id_alone(tmp_path, venue):
    from cockpit.config import load_config

    path = tmp_path / "config.toml"
    path.write_text(f'[[accounts]]\nname = "a"\nvenue = "{venue}"\n'
                    f'[[accounts]]\nname = "b"\nvenue = "{venue}"\nlayer = "arbitrum"\n')
    path.chmod(0o600)
    a, b = (acc.venue_account() for acc in load_config(path).accounts)
    assert (a.layer, b.layer) == (Layer.CEX, Layer.ARBITRUM)
    assert a.info().readonly and "no cockpit profile" in a.info().readonly_reason
