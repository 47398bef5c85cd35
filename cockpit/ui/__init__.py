"""cockpit.ui"""
