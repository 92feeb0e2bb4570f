"""Phone numbers: parsed and normalised to E.164 with `phonenumbers`, shown formatted."""

from __future__ import annotations

import phonenumbers
from flask import current_app, has_app_context

# How the OpenAPI document describes a phone field: "phone" is Campus's own format (a number
# `phonenumbers` deems valid); the pattern is the characters such a number is written with.
PHONE_DOCUMENT = {
    "format": "phone",
    "pattern": r"^\+?[0-9][0-9 ()./-]{3,30}$",
    "maxLength": 32,
    "description": "A valid phone number in any common form (`+7 912 345-67-89`, or national in the "
    "server's default region, PHONE_DEFAULT_REGION); stored and answered in E.164 (`+79123456789`).",
}


def default_region() -> str:
    return current_app.config["PHONE_DEFAULT_REGION"] if has_app_context() else "RU"


def normalize_phone(raw: str, region: str | None = None) -> str:
    """`+7 (912) 345-67-89`, `8 912 345 67 89` and `9123456789` all give `+79123456789`.

    Raises ValueError for anything `phonenumbers` does not deem a valid number.
    """
    region = region or default_region()
    text = raw.strip()
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        raise ValueError("Not a valid phone number.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def format_phone(e164: str | None) -> str:
    """Human form, e.g. `+7 912 345-67-89`."""
    if not e164:
        return ""
    try:
        number = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
