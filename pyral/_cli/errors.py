"""The two ways a command can fail, each with its exit status.

Commands raise these instead of printing and exiting so that ``main`` is the only place that
writes error text and chooses an exit code; that keeps tests in-process and output uniform.
"""

from __future__ import annotations


class CliError(Exception):
    """A failure the user can act on; ``exit_code`` 1 means Rally (or the data) said no."""

    exit_code = 1


class UsageError(CliError):
    """The command line itself is wrong or incomplete (exit status 2, like argparse)."""

    exit_code = 2
