"""The ticker's sentences: one line per alert, in the page's language."""

from __future__ import annotations

import html

from ..metrics.alerts import Alert, alert_level
from .i18n import fmt_duration, fmt_num, t

__all__ = ["alert_level", "alert_line", "alert_sentence", "ticker_html"]


def alert_line(a: Alert, lang: str, label, since: str) -> str:
    """A ticker item: its level as a mark and a word, when it was first seen, and the sentence."""
    level = alert_level(a)
    return (
        f"{'▲▲' if level == 'high' else '▲'} {t(f'alert.level_{level}', lang)} · "
        f"{t('alert.since', lang, when=since)} · {alert_sentence(a, lang, label)}"
    )


def ticker_html(items: list[tuple[str, str]], none: str) -> str:
    """The ticker as one line of HTML: each item (level, line) in its level's colour, which its mark and word
    also say (colour alone is lost on colour-blind viewers); every text escaped. The page's clock script
    shows the items a page at a time, as many as the line holds (ccdash.app.public.CLOCK_JS)."""
    if not items:
        return f'<p class="ccdash-ticker"><span class="ccdash-level-none">{html.escape(none)}</span></p>'
    return (
        '<p class="ccdash-ticker">'
        + "".join(
            f'<span class="ccdash-item ccdash-level-{"high" if level == "high" else "watch"}">'
            f"{html.escape(line)}</span>"
            for level, line in items
        )
        + "</p>"
    )


PLACES = 3  # districts named in one alert; the rest counted, so any city's line fits the panel


def places(parts, lang: str) -> str:
    """The districts of one event, most complaints first: the first few named, the rest counted."""
    ordered = sorted(parts, key=lambda p: -p.observed)
    named = ", ".join(f"{p.key['kecamatan']} {fmt_num(p.observed, lang)}" for p in ordered[:PLACES])
    rest = len(ordered) - PLACES
    return named + (
        " " + t("alert.more_places", lang, n=fmt_num(rest, lang), count=rest) if rest > 0 else ""
    )


def alert_sentence(a: Alert, lang: str, label) -> str:
    """One line of the ticker. `label(dim, value)` translates stored codes."""
    if a.kind == "spike":
        cat, kec = a.key.get("category"), a.key.get("kecamatan")
        what = "spike.both" if cat and kec else "spike.category" if cat else "spike.kecamatan"
        line = t(
            f"alert.{what}",
            lang,
            category=label("category", cat) if cat else "",
            kecamatan=kec or "",
            n=fmt_num(a.observed, lang),
            base=fmt_num(a.expected, lang, 1),
        )
        if a.parts:  # one event, one line: the districts it is in
            line += t(
                "alert.where",
                lang,
                places=places(a.parts, lang),
            )
        return line
    if a.kind == "sla":
        return t(
            "alert.sla",
            lang,
            agency=a.key["agency"],
            n=fmt_num(a.observed, lang),
            hours=a.key["hours"],
        )
    if a.kind == "cctv":
        return t(
            "alert.cctv",
            lang,
            n=fmt_num(a.observed, lang),
            hours=fmt_num(a.key["hours"], lang),
            worst=a.key["worst"],
            worst_hours=fmt_duration(a.key["worst_hours"], lang),
        )
    return str(a)
