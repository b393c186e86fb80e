"""Worked examples: every term of one output element, read from the index plan.

>>> import kernelflip as kf
>>> kf.explain("corr", "5", "3", at=1).sum_text
'y[1] = x[0]·a + x[1]·b + x[2]·c'
"""

from .core import NOTATIONS, OP_NAMES, Explanation, Term, explain

__all__ = ["explain", "Explanation", "Term", "NOTATIONS", "OP_NAMES"]
