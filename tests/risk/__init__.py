"""Tests of cockpit.risk."""
