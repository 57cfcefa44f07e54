from course_core.grading.harness import student_fixture
from course_core.grading.module_choice import pytest_addoption, pytest_sessionfinish  # noqa: F401 (--chaff NAME)
student = student_fixture("credit")
