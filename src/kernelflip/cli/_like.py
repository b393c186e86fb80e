"""Shared parsing of ``--like-option KEY=VALUE`` (explain, compare)."""

from __future__ import annotations

import ast

from . import UsageError


def like_options(items: list[str]) -> dict:
    """``["borderType=0", "mode=same"]`` -> ``{"borderType": 0, "mode": "same"}``.

    Values are Python literals where they parse as one (numbers, tuples, lists),
    else strings.

    >>> like_options(["borderType=0", "mode=same", "anchor=(0, 1)"])
    {'borderType': 0, 'mode': 'same', 'anchor': (0, 1)}
    """
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.isidentifier():
            raise UsageError(f"--like-option={item!r} is not accepted: give KEY=VALUE, "
                             "e.g. borderType=0")
        try:
            out[key] = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            out[key] = value
    return out
