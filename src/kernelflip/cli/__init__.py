"""The ``kernelflip`` command: one subcommand a module, registered in COMMANDS.

Each subcommand module defines ``add_parser(subparsers)`` (which sets
``func`` on its parser) and imports its heavy dependencies inside ``func``.
Usage errors exit 2 with the bad value and a pointer to ``--help``; other
failures exit 1 with one line on stderr.
"""

from __future__ import annotations

import argparse
import importlib
import sys

# module names under kernelflip.cli, in the order --help lists them
COMMANDS = ("explain", "compute", "tour", "bench", "compare")


class UsageError(Exception):
    """A bad command-line value: reported with exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kernelflip",
        description="Convolution and cross-correlation with exact index semantics.",
    )
    from .. import __version__

    parser.add_argument("--version", action="version", version=f"kernelflip {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        try:
            mod = importlib.import_module(f"{__name__}.{name}")
        except ModuleNotFoundError as exc:  # a subcommand whose module is not there yet
            if exc.name == f"{__name__}.{name}":
                continue
            raise
        mod.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    from ..errors import KernelflipError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except UsageError as exc:
        prog = f"kernelflip {args.command}"
        print(f"{prog}: error: {exc}\nTry '{prog} --help' for help.", file=sys.stderr)
        return 2
    except (KernelflipError, OSError, ValueError) as exc:
        print(f"kernelflip {args.command}: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
