"""Regression tests that fail on everything; the dropped conftest tries to turn failures into passes."""


def test_always_fails(student):
    assert False
