"""The registry web page in a real headless Chromium (Debian chromium + chromedriver):
releases with their status, a revoked model's reason, a hostile name rendered as text."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from detente.attest import generate_key, sign_statement
from detente.registry import connect, namespace_claim, release, revocation

pytestmark = pytest.mark.slow
OWNER = generate_key("ed25519")
D1, D2 = "sha256:" + "41" * 32, "sha256:" + "42" * 32
HOSTILE_NS = "<b>evil</b>/x"
HOSTILE_NAME = '<img src=x onerror="document.title=1">'


def _driver():  # type: ignore[no-untyped-def]
    webdriver = pytest.importorskip("selenium.webdriver")
    if not (shutil.which("chromium") and shutil.which("chromedriver")):
        pytest.skip("Debian chromium and chromium-driver are not installed")
    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium")
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--window-size=1400,2000"):  # fmt: skip
        opts.add_argument(flag)
    service = webdriver.ChromeService(executable_path=shutil.which("chromedriver"))
    return webdriver.Chrome(options=opts, service=service)


@pytest.mark.parametrize("server", ["sqlite"], indirect=True)
def test_page_shows_statuses_reasons_and_escapes(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from selenium.webdriver.common.by import By

    c = connect(server.url, state_dir=tmp_path / "c")
    c.publish(sign_statement(namespace_claim("acme/web", [OWNER.public_key()]), OWNER))
    c.publish(sign_statement(release("acme/web", "llm", "1.0", D1, None), OWNER))
    c.publish(sign_statement(release("acme/web", "llm", "1.1", D2, None), OWNER))
    c.publish(sign_statement(revocation("acme/web", D1, "backdoor in layer 12", "critical"), OWNER))
    c.publish(sign_statement(namespace_claim(HOSTILE_NS, [OWNER.public_key()]), OWNER))
    c.publish(
        sign_statement(release(HOSTILE_NS, HOSTILE_NAME, "6.6", "sha256:" + "43" * 32, None), OWNER)
    )
    from detente.incidents import (
        AffectedModel,
        Determination,
        IncidentReport,
        InvestigationStatus,
        sign_report,
    )
    from detente.taxonomy import Severity

    report = IncidentReport(title="<script>alert(1)</script> jailbreak", summary="s",
                            determination=Determination.CONFIRMED,
                            investigation_status=InvestigationStatus.OPEN, severity=Severity.HIGH,
                            affected_models=(AffectedModel("llm", D2),))  # fmt: skip
    c.publish(sign_report(report, OWNER)[0], "acme/web")
    driver = _driver()
    try:
        driver.get(server.url + "/")
        driver.save_screenshot(str(tmp_path / "registry.png"))  # left behind on failure
        rows = {r.text for r in driver.find_elements(By.CSS_SELECTOR, "#releases tr")}
        assert any("1.1" in r and "current" in r for r in rows), rows
        assert any("1.0" in r and "revoked" in r and "backdoor in layer 12" in r for r in rows), (
            rows
        )
        assert any(HOSTILE_NAME in r and HOSTILE_NS in r for r in rows), rows  # shown as text
        assert driver.find_elements(By.CSS_SELECTOR, "img") == []
        assert driver.find_elements(By.XPATH, "//b[text()='evil']") == []
        assert driver.title == "Détente registry"  # the onerror handler never ran
        assert "backdoor in layer 12" in driver.find_element(By.ID, "revocation").text
        incident = driver.find_element(By.ID, "incidents").text
        assert "<script>alert(1)</script> jailbreak" in incident and "high" in incident, incident
        assert "confirmed" in incident and D2 in incident and "acme/web" in incident
        driver.get(server.url + "/?digest=" + D1)
        assert "revoked" in driver.find_element(By.ID, "result").text
        driver.find_element(By.LINK_TEXT, "1").click()
        assert "Inclusion proof" in driver.page_source and "Entry 1" in driver.title
        driver.save_screenshot(str(tmp_path / "entry.png"))
    finally:
        driver.quit()
