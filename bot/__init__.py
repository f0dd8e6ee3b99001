"""jetbot: a Discord bot for JET Programme alumni chapters and applicants.

The ``bot`` package is the product's core. Apart from ``bot.client`` it knows nothing of Discord,
so every rule (answers, RSVPs, sign-ups) is tested directly as plain async Python.
"""

__version__ = "0.1.0"
