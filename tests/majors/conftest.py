from tests.students.conftest import bulk_students, make_major, make_student  # noqa: F401
