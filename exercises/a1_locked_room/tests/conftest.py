from course_core.grading.harness import student_fixture
from course_core.grading import module_choice

student = student_fixture("locked_room")
pytest_addoption = module_choice.pytest_addoption  # --chaff NAME: your tests against a public chaff
pytest_sessionfinish = module_choice.pytest_sessionfinish
