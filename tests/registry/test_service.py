from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from detente.attest import generate_key, sign_statement
from detente.registry import (
    LogError,
    RegistryClient,
    advisory,
    connect,
    namespace_claim,
    release,
    revocation,
)

OWNER = generate_key("ec-p256")
STRANGER = generate_key("ed25519")
D1 = "sha256:" + "11" * 32
D2 = "sha256:" + "22" * 32


def _client(server, tmp_path: Path) -> RegistryClient:  # type: ignore[no-untyped-def]
    return connect(server.url, state_dir=tmp_path / "client")


def test_lifecycle_verdicts(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    c = _client(server, tmp_path)
    assert c.check_digest(D1).status == "unknown"
    c.publish(sign_statement(namespace_claim("acme/llm", [OWNER.public_key()]), OWNER))
    r1 = c.publish(sign_statement(release("acme/llm", "llm-7b", "1.0", D1, None), OWNER))
    v = c.check_digest(D1)
    assert (v.status, v.exit_code, v.release["version"]) == ("current", 0, "1.0")  # type: ignore[index]
    c.publish(sign_statement(release("acme/llm", "llm-7b", "1.1", D2, None), OWNER))
    v = c.check_digest(D1)
    assert (v.status, v.latest_version, v.exit_code) == ("outdated", "1.1", 5)
    c.publish(
        sign_statement(advisory("acme/llm", [D2], "1.2", "prompt-injection bypass", "high"), OWNER)
    )
    assert c.check_digest(D2).status == "flagged"
    c.publish(sign_statement(revocation("acme/llm", D1, "backdoor in layer 12", "critical"), OWNER))
    v = c.check_digest(D1)
    assert v.status == "revoked" and "backdoor" in v.reasons[0] and v.exit_code == 7
    # Publishing the same bundle again returns the existing entry.
    bundle = json.loads(
        json.dumps(httpx.get(f"{server.url}/v1/entries/{r1['index']}").json()["bundle"])
    )
    again = c.publish(bundle)
    assert again["duplicate"] is True and again["index"] == r1["index"]


def test_hostile_requests_change_nothing(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    c = _client(server, tmp_path)
    claim = sign_statement(namespace_claim("acme/x", [OWNER.public_key()]), OWNER)
    first = c.publish(claim)
    assert c.publish(claim)["index"] == first["index"]  # idempotent
    size = httpx.get(server.url + "/v1/checkpoint").text.split("\n")[1]

    def post(body):
        return httpx.post(
            server.url + "/v1/entries", content=body, headers={"content-type": "application/json"}
        )

    assert post(b"{not json").status_code == 400
    assert post(b"[]").status_code == 400
    assert post(json.dumps({"bundle": {"mediaType": "x"}}).encode()).status_code == 400
    assert post(b'{"bundle": {}, "namespace": 5}').status_code == 400
    stranger = sign_statement(release("acme/x", "m", "1", D1, None), STRANGER)
    assert post(json.dumps({"bundle": stranger}).encode()).status_code == 403
    tampered = sign_statement(release("acme/x", "m", "1", D1, None), OWNER)
    sig = tampered["dsseEnvelope"]["signatures"][0]["sig"]
    tampered["dsseEnvelope"]["signatures"][0]["sig"] = ("A" if sig[0] != "A" else "B") + sig[1:]
    assert post(json.dumps({"bundle": tampered}).encode()).status_code == 422
    steal = sign_statement(namespace_claim("acme/x", [STRANGER.public_key()]), STRANGER)
    assert post(json.dumps({"bundle": steal}).encode()).status_code == 403
    unclaimed = sign_statement(release("nobody/y", "m", "1", D1, None), STRANGER)
    assert post(json.dumps({"bundle": unclaimed}).encode()).status_code == 403
    assert post(b"{" + b" " * (server.max_body + 10) + b"}").status_code == 413
    assert httpx.get(server.url + "/v1/entries/999").status_code == 404
    assert httpx.get(
        server.url + "/v1/proof/inclusion", params={"index": 5, "size": 1}
    ).status_code in (400, 422)
    assert httpx.get(server.url + "/v1/checkpoint").text.split("\n")[1] == size


def test_client_detects_a_forked_or_rolled_back_log(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    c = _client(server, tmp_path)
    c.publish(sign_statement(namespace_claim("acme/f", [OWNER.public_key()]), OWNER))
    c.publish(sign_statement(release("acme/f", "m", "1", D1, None), OWNER))
    assert c.checkpoint().size == 2
    # The operator wipes the log and rebuilds a different history with the same key.
    server.kill()
    if server.db.startswith("sqlite"):
        Path(server.db.removeprefix("sqlite:///")).unlink()
    else:
        import sqlalchemy

        eng = sqlalchemy.create_engine(server.db)
        with eng.begin() as conn:
            conn.exec_driver_sql(
                "DROP TABLE entries, nodes, checkpoints, log_head, subjects, cosignatures, "
                "alembic_version CASCADE"
            )
        eng.dispose()
    server.start()
    other = connect(server.url, state_dir=tmp_path / "other")
    other.publish(sign_statement(namespace_claim("evil/f", [STRANGER.public_key()]), STRANGER))
    with pytest.raises(LogError, match=r"shrank|rollback"):
        c.checkpoint()
    other.publish(sign_statement(release("evil/f", "m", "1", D2, None), STRANGER))
    other.publish(sign_statement(release("evil/f", "m", "2", D1, None), STRANGER))
    with pytest.raises(LogError, match="not consistent"):
        c.checkpoint()


def test_trust_on_first_use_key_change_is_refused(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    _client(server, tmp_path)
    server.kill()
    server.key_path.unlink()
    from detente.registry import load_or_create_log_key

    load_or_create_log_key(server.key_path, "test.example/log")
    server.start()
    with pytest.raises(LogError, match="different log key"):
        _client(server, tmp_path)


def test_openapi_spec_is_served(server) -> None:  # type: ignore[no-untyped-def]
    spec = httpx.get(server.url + "/openapi.json").json()
    assert spec["openapi"].startswith("3.") and "/v1/entries" in spec["paths"]
    assert "/v1/proof/consistency" in spec["paths"]


def test_key_rotation_via_cli(server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    import subprocess
    import sys

    def det(*args: str) -> subprocess.CompletedProcess[str]:
        env = {**__import__("os").environ, "XDG_DATA_HOME": str(tmp_path / "data")}
        return subprocess.run(
            [sys.executable, "-m", "detente", *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )

    for name in ("old", "new"):
        assert det("keygen", "--out", str(tmp_path / name)).returncode == 0
    old, new = tmp_path / "old", tmp_path / "new"
    reg = ["--registry", server.url]
    assert (
        det("registry", "claim", "acme/rot", "--key", str(old / "detente.key"), *reg).returncode
        == 0
    )
    out = det(
        "registry",
        "rotate",
        "acme/rot",
        "--key",
        str(old / "detente.key"),
        "--new",
        str(new / "detente.pub"),
        *reg,
    )
    assert out.returncode == 0, out.stderr
    stale = det(
        "revoke",
        D1,
        "--namespace",
        "acme/rot",
        "--reason",
        "x",
        "--key",
        str(old / "detente.key"),
        *reg,
    )
    assert stale.returncode == 2 and "403" in stale.stderr
    fresh = det(
        "revoke",
        D1,
        "--namespace",
        "acme/rot",
        "--reason",
        "x",
        "--key",
        str(new / "detente.key"),
        *reg,
    )
    assert fresh.returncode == 0, fresh.stderr
    verdict = det("check", str(tmp_path / "old"), *reg)  # a directory nobody released
    assert verdict.returncode == 4 and "UNKNOWN" in verdict.stdout
