"""A chart's text alternative: what it shows in one sentence, for screen readers and for anyone who
wants the figures without reading the axes."""

from __future__ import annotations

import pandas as pd

from .i18n import fmt_date, fmt_num, t


def describe_trend(df: pd.DataFrame, lang: str) -> str:
    """Complaints per day: how many days, the highest day, the latest 7-day mean."""
    if df.empty:
        return t("alt.empty", lang)
    peak = df.loc[df["complaints"].idxmax()]
    return t(
        "alt.trend",
        lang,
        n=fmt_num(len(df), lang),
        peak=fmt_num(peak["complaints"], lang),
        day=fmt_date(peak["day"], lang),
        mean=fmt_num(df["mean_7d"].iloc[-1], lang, 1),
    )


def describe_bars(df: pd.DataFrame, value: str, label: str, lang: str, decimals: int = 0) -> str:
    """Bars: how many, the largest and the smallest, with their values."""
    df = df.dropna(subset=[value])
    if df.empty:
        return t("alt.empty", lang)
    hi, lo = df.loc[df[value].idxmax()], df.loc[df[value].idxmin()]
    return t(
        "alt.bars",
        lang,
        n=fmt_num(len(df), lang),
        top=str(hi[label]),
        top_v=fmt_num(hi[value], lang, decimals),
        low=str(lo[label]),
        low_v=fmt_num(lo[value], lang, decimals),
    )
