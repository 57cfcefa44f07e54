"""The submission's own 'visible tests': always pass. The kit's tests must be used instead."""


def test_add():
    assert True


def test_clip_above():
    assert True
