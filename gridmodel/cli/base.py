"""One error rule for every ``gridmodel`` command.

Bad input (:class:`gridmodel.errors.InputError`, a missing file) prints ``error: <message>``
on standard error and exits with code 2; another gridmodel failure
(:class:`gridmodel.errors.GridmodelError`, e.g. a simulation that produced NaN) exits
with code 1. No traceback either way. :class:`Command` carries the rule, so a command
behaves the same when it is invoked through ``gridmodel`` or on its own (as the tests
do); :class:`Group` gives it to every command defined on a group.
"""

from __future__ import annotations

import sys

import click

from gridmodel.errors import GridmodelError, InputError

__all__ = ["Command", "Group", "fail"]


def fail(ctx: click.Context, exc: BaseException, code: int):
    """Print ``error: <exc>`` on standard error and exit with ``code``."""
    click.echo(f"error: {exc}", err=True)
    ctx.exit(code)


def _invoke_reporting(invoke, ctx: click.Context):
    try:
        return invoke(ctx)
    except InputError as exc:
        return fail(ctx, exc, 2)
    except FileNotFoundError as exc:
        return fail(ctx, exc, 2)
    except GridmodelError as exc:
        return fail(ctx, exc, 1)


#: commands that run the model (and so may compile gridmodel's kernels on a first run)
MODEL_COMMANDS = frozenset({"run", "reproduce", "outage", "ensemble", "compare", "plan",
                            "rank", "validate"})


def say_compiling(stream=None) -> bool:
    """Print :func:`gridmodel._io.kernels.compile_note` on standard error when the kernels
    are not cached yet and standard error is a terminal (where the progress bar would sit
    at 0 % while they compile); True if it printed."""
    from gridmodel._io.kernels import compile_note

    stream = sys.stderr if stream is None else stream
    note = compile_note() if stream.isatty() else None
    if note:
        click.echo(note, file=stream)
    return note is not None


class Command(click.Command):
    """A click command that reports gridmodel's errors by the module's rule (and says
    when a model-running command will first compile kernels)."""

    def invoke(self, ctx: click.Context):
        if ctx.info_name in MODEL_COMMANDS:
            say_compiling()
        return _invoke_reporting(super().invoke, ctx)


class Group(click.Group):
    """A click group whose commands (and the group itself) follow the module's rule."""

    command_class = Command

    def invoke(self, ctx: click.Context):
        return _invoke_reporting(super().invoke, ctx)
