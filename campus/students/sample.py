"""Deterministic, realistic sample data (Russian names, RU phones) for `flask seed demo` and bench/.

Faker (a development dependency) supplies name, city and street pools once per seed; the rows
themselves come from a seeded `random.Random`, so 100,000 of them take seconds, not minutes,
and the same seed always gives the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

from campus.core.phones import normalize_phone

MAJORS: list[tuple[str, str]] = [
    ("Прикладная математика и информатика", "Алгоритмы, программирование, математическое моделирование."),
    ("Физика", "Теоретическая и экспериментальная физика."),
    ("Химия", "Органическая, неорганическая и физическая химия."),
    ("Биология", "Молекулярная биология, генетика, экология."),
    ("История", "Отечественная и всеобщая история, архивоведение."),
    ("Филология", "Русский язык и литература, лингвистика."),
    ("Экономика", "Микро- и макроэкономика, финансы, эконометрика."),
    ("Юриспруденция", "Гражданское, уголовное и международное право."),
    ("Психология", "Общая, социальная и клиническая психология."),
    ("Журналистика", "Медиа, редактура, цифровые коммуникации."),
]

# Latin letters for each Cyrillic one ("-": none, for ъ and ь), for sample email addresses.
_LATIN = [
    "a",
    "b",
    "v",
    "g",
    "d",
    "e",
    "e",
    "zh",
    "z",
    "i",
    "y",
    "k",
    "l",
    "m",
    "n",
    "o",
    "p",
    "r",
    "s",
    "t",
    "u",
    "f",
    "kh",
    "ts",
    "ch",
    "sh",
    "shch",
    "-",
    "y",
    "-",
    "e",
    "yu",
    "ya",
]
_TRANSLIT = {
    cyrillic: latin.strip("-") for cyrillic, latin in zip("абвгдеёжзийклмнопрстуфхцчшщъыьэюя", _LATIN, strict=True)
}


def translit(text: str) -> str:
    return "".join(_TRANSLIT.get(char, char) for char in text.lower() if char.isalnum())


class SampleStudents:
    """`rows(count)` yields student dicts in `StudentWriteSchema`'s shape (minus `major_id`)."""

    def __init__(self, seed: int = 2024, pool_size: int = 200):
        from faker import Faker

        faker = Faker("ru_RU")
        faker.seed_instance(seed)
        self.random = random.Random(seed)
        # Separate pools, combined at random: a few hundred people rarely share a full name.
        self.men = (
            [faker.first_name_male() for _ in range(pool_size)],
            [faker.last_name_male() for _ in range(pool_size)],
        )
        self.women = (
            [faker.first_name_female() for _ in range(pool_size)],
            [faker.last_name_female() for _ in range(pool_size)],
        )
        self.cities = [faker.city_name() for _ in range(pool_size // 4)]
        self.streets = [faker.street_name() for _ in range(pool_size)]
        self.notes = [
            "",
            "",
            "",
            "",
            "Староста группы.",
            "Индивидуальный план обучения.",
            "Участник олимпиады по профилю.",
            "Академический отпуск в прошлом году.",
        ]

    def phone(self) -> str:
        while True:
            candidate = f"+79{self.random.randrange(10**9):09d}"
            try:
                return normalize_phone(candidate, "RU")
            except ValueError:
                continue

    def rows(
        self, count: int, *, today: date | None = None, email_domain: str = "students.campus.local"
    ) -> Iterator[dict[str, Any]]:
        today = today or date.today()
        pick = self.random.choice
        for n in range(1, count + 1):
            firsts, lasts = self.men if self.random.random() < 0.5 else self.women
            first, last = pick(firsts), pick(lasts)
            course = self.random.choice([1, 1, 2, 2, 3, 3, 4, 4, 5, 6])
            enrollment_year = today.year - course + 1
            born = date(enrollment_year - self.random.randint(17, 19), 1, 1) + timedelta(
                days=self.random.randrange(365)
            )
            yield {
                "first_name": first,
                "last_name": last,
                "date_of_birth": born.isoformat(),
                "email": f"{translit(last)}.{translit(first)[:1]}{n}@{email_domain}",
                "phone_number": self.phone(),
                "address": f"г. {pick(self.cities)}, {pick(self.streets)}, д. {self.random.randint(1, 120)}, "
                f"кв. {self.random.randint(1, 300)}",
                "enrollment_year": enrollment_year,
                "course": course,
                "special_notes": pick(self.notes),
            }
