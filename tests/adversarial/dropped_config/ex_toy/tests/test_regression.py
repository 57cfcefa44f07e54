"""Regression tests that fail on everything; the dropped config tries to deselect them all."""


def test_always_fails(student):
    assert False
