"""Attack: a "regression test" that reads the module's docstring instead of testing behaviour.

The reference says "reference solution" in its docstring; the chaffs do not. Reading that
earns every lock point without testing anything, if the tests can see the module.
"""


def test_is_the_reference(student):
    assert "reference solution" in (student.__doc__ or "")
