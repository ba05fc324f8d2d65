"""The error type the command line turns into a message and exit code 2."""


class CommandError(Exception):
    """A user error on the command line: printed without a traceback, exit 2."""
