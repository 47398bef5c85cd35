"""The Textual user interface: it renders frames and turns keys into intents.

It never calls a venue and never computes risk: it shows what the engine decided and asks the
engine to act.
"""
