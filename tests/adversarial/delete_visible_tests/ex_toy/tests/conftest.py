import pytest


@pytest.fixture
def student():
    return None
