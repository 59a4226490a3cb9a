from __future__ import annotations

import pytest

from detente.errors import InputError
from detente.taxonomy import ATLAS_VERSION, atlas_data, atlas_technique, validate_atlas_ids


def test_shipped_subset_matches_its_version_and_size() -> None:
    data = atlas_data()
    assert data["version"] == ATLAS_VERSION == "5.6.0"
    assert len(data["tactics"]) == 16 and len(data["techniques"]) == 170
    assert atlas_technique("AML.T0011.000").name == "Unsafe AI Artifacts"
    assert atlas_technique("AML.T0010.003").tactics == ("AML.TA0004",)


def test_unknown_ids_are_refused() -> None:
    with pytest.raises(InputError, match=r"AML\.T9999"):
        validate_atlas_ids(["AML.T0010", "AML.T9999"])


def test_every_atlas_id_the_scanner_emits_exists(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.scan.corpus import malicious  # type: ignore[import-not-found]

    from detente.scan import scan_paths

    emitted: set[str] = set()
    for name, files, _, _ in malicious():
        d = tmp_path / name.replace("/", "_")
        d.mkdir()
        for rel, data in files.items():
            (d / rel).write_bytes(data)
        for f in scan_paths([d]).findings:
            emitted.update(f.atlas)
    assert emitted  # the corpus does produce ATLAS references...
    validate_atlas_ids(sorted(emitted))  # ...and every one of them is real
