"""The one exception for bad input: a ``ValueError`` whose message names the key, the value and
what is allowed. The CLI shows it as one line and exits with code 2; anything else is a bug and
keeps its traceback."""


class InputError(ValueError):
    """Bad input from a user: unknown key, wrong type, out-of-range value, unusable path."""
