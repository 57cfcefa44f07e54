from course_core.grading.harness import student_fixture
student = student_fixture("kl")
