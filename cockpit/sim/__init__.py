"""The embedded market simulator: a seeded, deterministic market behind the venue protocol.

    from cockpit.sim import build_demo, list_scenarios, load_scenario, ScenarioError, SimSession
    session = build_demo(seed=7, scenario="funding-squeeze", speed=60.0)
    session.venues         # one `Venue` per account
    session.sim_time()     # the sim clock (POSIX seconds)
    session.events()       # the event log

Imports only `cockpit.model`, numpy and the standard library.
"""

from cockpit.sim.demo import build_demo, build_world
from cockpit.sim.events import SimEvent
from cockpit.sim.scenario import Scenario, ScenarioError, list_scenarios, load_scenario
from cockpit.sim.session import SimSession
from cockpit.sim.venue import SimVenue
from cockpit.sim.world import World

__all__ = [
    "build_demo", "build_world", "list_scenarios", "load_scenario", "Scenario", "ScenarioError",
    "SimEvent", "SimSession", "SimVenue", "World",
]
