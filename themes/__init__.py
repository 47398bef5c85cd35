"""Shipped colour themes (TOML data); loaded by cockpit.ui.themes."""
