"""Shipped keymaps (TOML data); loaded by cockpit.ui.keymap."""
