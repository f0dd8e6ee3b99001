"""Errors that carry a message meant for the person who caused them.

Services raise ``UserError`` (or a subclass) for bad input; the Discord layer shows ``str(error)``
ephemerally and the command line prints it. Anything else is a bug: logged in full, shown as a
short apology.
"""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused action; the message is shown to the user as it is."""


class NotFound(UserError):
    """The thing asked for does not exist (in this server)."""


class PermissionDenied(UserError):
    """The user may not do this here."""


class RateLimited(UserError):
    """The user is doing this too often."""
