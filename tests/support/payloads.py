"""Hypothesis strategies for bad input: any JSON a client could send, and payloads shaped like a
real one (the right field names, each value right, wrong or hostile) — for the property tests of
socket events and JSON bodies."""

from __future__ import annotations

from hypothesis import strategies as st

# Values that have broken parsers, drivers or validators somewhere.
HOSTILE_TEXT = ["", " ", "\x00", "a\x00b", "\ud800", "\udfff", "\u202e", "%", "_", "' OR 1=1 --", "<script>"]
HOSTILE_NUMBERS = [0, -1, 2**31, 2**53, 2**53 - 1, 2**63, -(2**63) - 1, 2**70, 1.5, -0.0, 1e308]


def texts(max_size: int = 64) -> st.SearchStrategy[str]:
    """Any text: every code point (lone surrogates too), long runs, known troublemakers."""
    any_char = st.characters(codec=None, exclude_categories=())
    return st.one_of(
        st.sampled_from(HOSTILE_TEXT),
        st.text(any_char, max_size=max_size),
        st.builds(lambda char, n: char * n, any_char, st.integers(4000, 4100)),
    )


def numbers() -> st.SearchStrategy:
    return st.one_of(
        st.sampled_from(HOSTILE_NUMBERS),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.booleans(),
    )


def json_values(max_leaves: int = 12) -> st.SearchStrategy:
    """Any JSON value, nested a few levels."""
    scalars = st.one_of(st.none(), numbers(), texts())
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(texts(12), inner, max_size=4)),
        max_leaves=max_leaves,
    )


def ids(known: list[int]) -> st.SearchStrategy:
    """An id field's value: one that exists, or anything."""
    return st.one_of(st.sampled_from(known), st.integers(-2, 10), json_values(4)) if known else json_values(4)


def shaped(
    fields: dict[str, st.SearchStrategy], valid: dict[str, st.SearchStrategy] | None = None
) -> st.SearchStrategy:
    """A payload with some of `fields` (each from its strategy), sometimes an unknown one too,
    or — now and then — any JSON value at all. With `valid` (a strategy per field for a payload
    the server accepts), also valid payloads and valid ones with one field made hostile, so the
    code past validation is fed too."""
    body = st.fixed_dictionaries({}, optional=fields)
    extra = st.dictionaries(texts(12), json_values(4), max_size=2)
    with_extra = st.builds(lambda known, unknown: {**unknown, **known}, body, extra)
    choices = [body, body, with_extra, json_values()]
    if valid:
        good = st.fixed_dictionaries(valid)
        one_off = st.builds(
            lambda payload, name, value: {**payload, name: value},
            good,
            st.sampled_from(sorted(fields)),
            json_values(4),
        )
        choices += [good, one_off, one_off]
    return st.one_of(choices)
