from course_core.grading.harness import student_data_fixture, student_fixture
student = student_fixture("verifiers")
student_data = student_data_fixture()
