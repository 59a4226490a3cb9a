"""Headline accuracy on data we did not write: the peer scanners' own samples and published
bypasses (../shared/data/peer-scan, inert: scanned by path, never loaded).

A sample counts as flagged the way matrix.txt counts every scanner: exit 1 at the default
``--fail-on high``, i.e. some finding at or above high. Benign alarms are the same on benign
files. The floors are what the scanner reaches today with general rules only (no sample is
special-cased); a held-out corpus we do not see keeps them honest.
"""

from __future__ import annotations

from pathlib import Path

from detente.scan import Severity, scan_paths

REAL_PAYLOAD_FLOOR = 200  # of 200
BENIGN_ALARM_CEILING = 0  # of 72


def _rows(root: Path) -> list[dict[str, str]]:
    lines = (root / "INDEX.tsv").read_text(encoding="utf-8").splitlines()
    cols = lines[0].split("\t")
    return [dict(zip(cols, line.split("\t"), strict=True)) for line in lines[1:] if line.strip()]


def _flagged(path: Path) -> bool:
    return any(f.severity >= Severity.HIGH for f in scan_paths([path]).findings)


def test_peer_corpus_floor(shared_data: Path) -> None:
    root = shared_data / "peer-scan"
    rows = _rows(root)
    real = [r for r in rows if r["label"] == "malicious" and not r["trick"].startswith("HARMLESS")]
    benign = [r for r in rows if r["label"] == "benign"]
    assert (len(real), len(benign)) == (200, 72)
    missed = [r["file"] for r in real if not _flagged(root / r["file"])]
    alarms = [r["file"] for r in benign if _flagged(root / r["file"])]
    assert len(real) - len(missed) >= REAL_PAYLOAD_FLOOR, missed
    assert len(alarms) <= BENIGN_ALARM_CEILING, alarms
