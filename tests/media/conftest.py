from tests.students.conftest import make_major, make_student  # noqa: F401
