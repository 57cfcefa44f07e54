"""An honest student's regression tests: they pass on any correct toy.py and catch the chaffs."""

import pytest


def test_add(student):
    assert student.add(2, 3) == 5


def test_mean_is_exact(student):
    assert student.mean([1, 2]) == 1.5


def test_mean_of_empty_raises(student):
    with pytest.raises(ValueError):
        student.mean([])


def test_clip_upper(student):
    assert student.clip(9, 0, 3) == 3
