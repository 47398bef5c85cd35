"""`python -m screenshots`: render the cockpit's SVG screenshots (see __main__)."""
