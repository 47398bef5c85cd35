"""cockpit.engine"""
