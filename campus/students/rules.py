"""The rules of a student record (docs/directory.md#students), shared by the JSON schema, the form and the services.

Each check returns a problem (translated text) or None, so every edge can report it its own way.
"""

from __future__ import annotations

from datetime import date

from flask_babel import gettext as _

FIRST_ENROLLMENT_YEAR = 2002
MIN_AGE, MAX_AGE = 14, 100
MIN_COURSE, MAX_COURSE = 1, 6
ADDRESS_LENGTH = (10, 200)
NOTES_LENGTH = 500
NAME_LENGTH = 100
# What a linked student may correct on their own record; the email stays with the dean's office
# (it identifies the record in imports and must stay unique).
CONTACT_FIELDS = ("phone_number", "address")


def today() -> date:
    """Today's date (a seam for tests)."""
    return date.today()


def age_on(born: date, on: date) -> int:
    """Full years from `born` to `on`."""
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def date_of_birth_problem(born: date, on: date | None = None) -> str | None:
    """Why `born` is not a valid date of birth (past; age 14–100), or None."""
    on = on or today()
    if born >= on:
        return _("Must be in the past.")
    if not MIN_AGE <= age_on(born, on) <= MAX_AGE:
        return _("Age must be between %(low)d and %(high)d.", low=MIN_AGE, high=MAX_AGE)
    return None


def enrollment_year_problem(year: int, on: date | None = None) -> str | None:
    """Why `year` is not a valid enrollment year (2002 … this year), or None."""
    current = (on or today()).year
    if not FIRST_ENROLLMENT_YEAR <= year <= current:
        return _("Must be between %(low)d and %(high)d.", low=FIRST_ENROLLMENT_YEAR, high=current)
    return None


def course_problem(course: int, enrollment_year: int | None, on: date | None = None) -> str | None:
    """Why `course` is not valid (1–6, at most the years since enrollment + 1), or None."""
    if not MIN_COURSE <= course <= MAX_COURSE:
        return _("Must be between %(low)d and %(high)d.", low=MIN_COURSE, high=MAX_COURSE)
    if enrollment_year is not None:
        highest = (on or today()).year - enrollment_year + 1
        if course > highest:
            return _(
                "A student enrolled in %(year)d can be at most in course %(course)d.",
                year=enrollment_year,
                course=max(highest, MIN_COURSE),
            )
    return None


def record_problems(values: dict) -> dict[str, list[str]]:
    """Every rule that spans fields, over a whole (merged) record."""
    problems: dict[str, list[str]] = {}
    if values.get("date_of_birth") is not None and (p := date_of_birth_problem(values["date_of_birth"])):
        problems["date_of_birth"] = [p]
    year = values.get("enrollment_year")
    if year is not None and (p := enrollment_year_problem(year)):
        problems["enrollment_year"] = [p]
        year = None
    if values.get("course") is not None and (p := course_problem(values["course"], year)):
        problems["course"] = [p]
    return problems
