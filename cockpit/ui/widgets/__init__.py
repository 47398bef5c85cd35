"""The cockpit's panes and bars."""
