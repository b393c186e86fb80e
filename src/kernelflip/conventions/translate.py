"""Placeholder, replaced below."""
class NoEquivalent(Exception):
    pass
def translate(*a, **k):
    raise NotImplementedError
