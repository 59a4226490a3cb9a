from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from incident_samples import draft

from detente import incidents


@pytest.fixture
def report() -> incidents.IncidentReport:
    return draft()
