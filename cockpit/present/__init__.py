"""What people read: figures and reason texts made from the Frame's numbers and codes.

Textual-free, so the UI and `cockpit guard`'s log say the same thing the same way. `format`
holds the figures (one `money()`, one scale-suffix ladder); risk returns codes, never English.
"""
