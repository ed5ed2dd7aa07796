"""`python -m ccdash city init NAME --from SAMPLE.csv`: a first profile and mapping, tried on the sample."""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from .data.ingest import KINDS, IngestError, Mapping, ingest
from .data.ingest.propose import mapping_text, profile_text, propose, still_needed
from .data.profile import ProfileError, load_profile


def init_city(name: str, sample: Path, out: Path | None, force: bool) -> int:
    out = out or Path(re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "city")
    files = {"city.toml": None, "mapping.toml": None}
    existing = [f for f in files if (out / f).exists()]
    if existing and not force:
        print(
            f"error: {', '.join(str(out / f) for f in existing)} already exist(s); use --force to overwrite",
            file=sys.stderr,
        )
        return 2
    try:
        p = propose(sample)
    except IngestError as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    out.mkdir(parents=True, exist_ok=True)
    (out / "city.toml").write_text(profile_text(name, p), encoding="utf-8")
    (out / "mapping.toml").write_text(mapping_text(p, sample.name), encoding="utf-8")
    print(
        f"wrote {out / 'city.toml'} and {out / 'mapping.toml'} from {p.rows:,} rows of {sample.name}"
    )
    kind = {v: k for k, v in KINDS.items()}[p.kind]
    print(
        f"read as: {p.kind}"
        + (" (records found inside the JSON: mapping.toml has the select)" if p.select else "")
    )
    print("columns: " + ", ".join(f"{c} <- {s}" for c, s in p.columns.items()))
    if p.kind == "complaints" and "created_at" in p.columns:
        print(f"dates: {p.date_format or 'ISO 8601'} (reads {p.date_share:.1%} of the sample)")
    if p.timezone:
        print(f"time zone: {p.timezone} (at the coordinates' centre)")
    for note in p.notes:
        print(f"check: {note}")
    try:  # the proposal, tried: the files pass their schemas and the sample goes in
        profile = load_profile(out / "city.toml")
        mapping = Mapping.load(out / "mapping.toml")
        with tempfile.TemporaryDirectory() as tmp:
            report = ingest(sample, kind, tmp, profile, mapping)
        print(
            f"trial ingest of the sample: {report.accepted:,} accepted, {report.rejected:,} rejected"
        )
        for reason, n in list(report.reasons.items())[:5]:
            print(f"  {n:>7,}  {reason}")
    except (IngestError, ProfileError) as e:
        print(f"trial ingest failed: {e}")
    print("still needed (each page says so until it is there):")
    for item in still_needed(p):
        print(f"  - {item}")
    print(
        "next:\n"
        f"  .venv/bin/python -m ccdash ingest --kind {kind} {sample} --mapping {out / 'mapping.toml'} "
        f"--data-dir {out}\n"
        f"  CCDASH_DATA_DIR={out} make run"
    )
    return 0
