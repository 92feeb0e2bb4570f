"""Automated accessibility checks of real pages with axe-core (from npm, a test-only package).

`serious_violations(page)` runs axe on what the page shows now and answers the violations whose
impact is serious or critical, each as one readable line (the rule, its help text and the
elements it found); a test asserts the list is empty. axe's source is evaluated through the
DevTools protocol, which the pages' Content-Security-Policy (no inline script) does not govern.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")


@cache
def _axe_source() -> str:
    return AXE.read_text(encoding="utf-8")


def serious_violations(page, *, exclude: list[str] | None = None) -> list[str]:
    """axe-core's serious and critical violations on the page as shown now (WCAG 2.1 A and AA).

    `exclude` lists CSS selectors of parts left out (for instance a third-party widget)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    results = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? {exclude: exclude.map((selector) => [selector])} : document;
            return await axe.run(context, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}});
        }""",
        exclude or [],
    )
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} — "
        + "; ".join(" ".join(node["target"]) for node in violation["nodes"][:5])
        for violation in results["violations"]
        if violation["impact"] in BLOCKING
    ]
