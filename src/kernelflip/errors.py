"""The one exception family of kernelflip.

Inner checks raise short, specific messages; the public functions re-raise
them with the user's shapes and arguments (see :func:`enrich`).  Every class
derives from the matching built-in exception, so ``except ValueError`` keeps
working for callers who do not know kernelflip.
"""

from __future__ import annotations


class KernelflipError(Exception):
    """Base class of every error kernelflip raises on purpose."""


class ArgumentError(KernelflipError, ValueError):
    """An argument has a value that is not accepted."""


class ArgumentTypeError(KernelflipError, TypeError):
    """An argument has a type that is not accepted."""


class IndexRangeError(KernelflipError, IndexError):
    """A signed index lies outside an array's index range."""


class TooLargeError(KernelflipError, MemoryError):
    """A request would need more memory than this machine has."""


class ExactnessError(KernelflipError, OverflowError):
    """An exact integer result would not fit in the integer type."""


def enrich(exc: KernelflipError, context: str) -> KernelflipError:
    """Return a copy of ``exc`` whose message ends with ``context``."""
    new = type(exc)(f"{exc} ({context})")
    return new


def fail(kind: type[KernelflipError], name: str, value, accepted: str) -> KernelflipError:
    """Build an error naming the argument, the value received and what is accepted."""
    return kind(f"{name}={value!r} is not accepted: {accepted}")
