"""cockpit: a terminal trading cockpit for perpetual futures across venues and settlement layers.

Importing this package imports nothing heavy: no Textual, no ccxt, no numpy.
"""

__version__ = "0.1.0"
