"""The TAXII 2.1 server over real HTTP on loopback, read and written by taxii2-client."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from detente.incidents import hash_taxii_password

taxii2client = pytest.importorskip("taxii2client.v21")

MEDIA = "application/taxii+json;version=2.1"
COL = "9a3d3f4e-2b7c-4c1e-8f57-3f0f2a1d6b10"
PRIV = "private"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
RECIPIENTS = "extension-definition--4f19f0c7-ca92-5dd7-a0a6-7074cbd885ee"
PASSWORDS = {"alice": "alice-pw", "bob": "bob-pw", "carol": "carol-pw"}


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


POOL_IDS = tuple(f"t{i}" for i in range(12))
POOL = list(POOL_IDS)  # one fresh collection per test on a shared server


def write_users(path: Path) -> Path:
    h = {u: hash_taxii_password(p) for u, p in PASSWORDS.items()}
    pool = "".join(f'[[collections]]\nid = "{c}"\ntitle = "{c}"\n' for c in POOL_IDS)
    path.write_text(
        f"""
title = "test TAXII"
max_content_length = 200000
[[collections]]
id = "{COL}"
title = "AI incidents"
alias = "incidents"
[[collections]]
id = "{PRIV}"
title = "private"
{pool}
[users.alice]
password = "{h["alice"]}"
identities = ["Lab A"]
read = ["incidents", {", ".join(f'"{c}"' for c in POOL_IDS)}]
write = ["incidents", {", ".join(f'"{c}"' for c in POOL_IDS)}]
[users.bob]
password = "{h["bob"]}"
read = ["{COL}", {", ".join(f'"{c}"' for c in POOL_IDS)}]
[users.carol]
password = "{h["carol"]}"
read = ["{PRIV}"]
""",
        encoding="utf-8",
    )
    return path


@dataclass
class Taxii:
    base: str
    db: str
    users: Path
    port: int
    proc: subprocess.Popen[bytes]
    col: str = COL

    @property
    def collection_url(self) -> str:
        return f"{self.base}/taxii2/detente/collections/{self.col}/"

    @property
    def c(self) -> str:
        """This test's collection path."""
        return f"/taxii2/detente/collections/{self.col}"

    def start(self) -> None:
        self.proc = spawn(self.db, self.users, self.port)

    def stop(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def get(self, path: str, user: str = "alice", **kw: Any) -> httpx.Response:
        headers = {"Accept": MEDIA, **kw.pop("headers", {})}
        return httpx.get(
            self.base + path, auth=(user, PASSWORDS[user]), headers=headers, timeout=30, **kw
        )

    def post(self, path: str, body: object, user: str = "alice", **kw: Any) -> httpx.Response:
        headers = {"Accept": MEDIA, "Content-Type": MEDIA, **kw.pop("headers", {})}
        return httpx.post(
            self.base + path,
            content=json.dumps(body).encode(),
            auth=(user, PASSWORDS[user]),
            headers=headers,
            timeout=60,
        )


def spawn(db: str, users: Path, port: int) -> subprocess.Popen[bytes]:
    env = {**os.environ, "DETENTE_TAXII_DB": db, "DETENTE_TAXII_USERS": str(users)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "--factory", "detente.incidents:taxii_app_from_env",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(proc.stderr.read().decode() if proc.stderr else "server died")
        try:
            httpx.get(f"http://127.0.0.1:{port}/taxii2/", timeout=1)
            return proc
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("TAXII server did not start")


def start_taxii(db: str, tmp_path: Path) -> Taxii:
    users = write_users(tmp_path / "taxii-users.toml")
    port = _free_port()
    return Taxii(f"http://127.0.0.1:{port}", db, users, port, spawn(db, users, port))


@pytest.fixture(scope="module")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Taxii]:
    tmp = tmp_path_factory.mktemp("taxii")
    srv = start_taxii(f"sqlite:///{tmp / 'taxii.sqlite3'}", tmp)
    yield srv
    srv.stop()


@pytest.fixture
def taxii(shared_server: Taxii) -> Taxii:
    """The shared server, seen through a collection no other test has touched."""
    from dataclasses import replace

    return replace(shared_server, col=POOL.pop())


@pytest.fixture
def own_server(tmp_path: Path) -> Iterator[Taxii]:
    srv = start_taxii(f"sqlite:///{tmp_path / 'taxii.sqlite3'}", tmp_path)
    yield srv
    srv.stop()


def indicator(i: int, modified: str = "2024-01-01T00:00:00.000Z", **extra: Any) -> dict[str, Any]:
    return {
        "type": "indicator",
        "spec_version": "2.1",
        "id": f"indicator--{uuid.UUID(int=i + 1)}",
        "created": "2024-01-01T00:00:00.000Z",
        "modified": modified,
        "pattern": f"[file:name = 'f{i}.bin']",
        "pattern_type": "stix",
        "valid_from": "2024-01-01T00:00:00Z",
        **extra,
    }


def collection(taxii: Taxii, user: str = "alice") -> Any:
    return taxii2client.Collection(taxii.collection_url, user=user, password=PASSWORDS[user])


# -- taxii2-client interop ---------------------------------------------------------------


def test_discovery_api_root_and_collections_through_taxii2_client(taxii: Taxii) -> None:
    server = taxii2client.Server(f"{taxii.base}/taxii2/", user="alice", password="alice-pw")
    assert server.title == "test TAXII"
    (root,) = server.api_roots
    assert root.url == f"{taxii.base}/taxii2/detente/"
    assert root.versions == [MEDIA]
    cols = {c.id: c for c in root.collections}
    assert set(cols) == {COL, *POOL_IDS}  # alice cannot see "private"
    assert cols[COL].can_read and cols[COL].can_write and cols[COL].alias == "incidents"


def test_taxii2_client_writes_then_pages_every_object_exactly_once(taxii: Taxii) -> None:
    col = collection(taxii)
    objs = [indicator(i) for i in range(250)]
    status = col.add_objects({"objects": objs})
    assert status.status == "complete" and status.success_count == 250
    seen: list[str] = []
    for env in taxii2client.as_pages(col.get_objects, per_request=40):
        seen.extend(o["id"] for o in env.get("objects", []))
    assert sorted(seen) == sorted(o["id"] for o in objs) and len(seen) == len(set(seen))
    got = col.get_object(objs[7]["id"])
    assert got["objects"] == [objs[7]]
    # The status resource is retrievable afterwards by the same user (§4.3).
    assert taxii.get(f"/taxii2/detente/status/{status.id}/").json()["success_count"] == 250
    assert taxii.get(f"/taxii2/detente/status/{status.id}/", user="bob").status_code == 404


def test_manifest_and_versions_page_by_added_after_and_date_added_last(taxii: Taxii) -> None:
    objs = [indicator(i) for i in range(25)]
    taxii.post(f"{taxii.c}/objects/", {"objects": objs})
    ids: list[str] = []
    params: dict[str, str] = {"limit": "10"}
    while True:
        r = taxii.get(f"{taxii.c}/manifest/", params=params)
        body = r.json()
        assert "next" not in body  # §5.3: the manifest resource has no `next`
        ids += [m["id"] for m in body["objects"]]
        if not body["more"]:
            break
        params["added_after"] = r.headers["X-TAXII-Date-Added-Last"]
    assert ids == [o["id"] for o in objs]
    oid = objs[0]["id"]
    for k in range(1, 6):  # five more versions of one object
        newer = indicator(0, modified=f"2024-02-0{k}T00:00:00.000Z")
        taxii.post(f"{taxii.c}/objects/", {"objects": [newer]})
    versions: list[str] = []
    params = {"limit": "2"}
    while True:
        r = taxii.get(f"{taxii.c}/objects/{oid}/versions/", params=params)
        body = r.json()
        versions += body["versions"]
        if not body["more"]:
            break
        params["added_after"] = r.headers["X-TAXII-Date-Added-Last"]
    assert versions == ["2024-01-01T00:00:00.000Z"] + [
        f"2024-02-0{k}T00:00:00.000Z" for k in range(1, 6)
    ]
    col = collection(taxii)
    assert col.object_versions(oid)["versions"] == versions


def test_match_filters_and_version_selection(taxii: Taxii) -> None:
    path = f"{taxii.c}/objects/"
    ident = {"type": "identity", "spec_version": "2.1", "id": f"identity--{uuid.uuid4()}",
             "created": "2024-01-01T00:00:00.000Z", "modified": "2024-01-01T00:00:00.000Z",
             "name": "Lab A"}  # fmt: skip
    v1, v2 = indicator(1), indicator(1, modified="2024-03-01T00:00:00.000Z")
    taxii.post(path, {"objects": [ident, v1, v2, indicator(2)]})

    def ids(**params: str) -> list[tuple[str, str]]:
        objs = taxii.get(path, params=params).json().get("objects", [])
        return [(o["id"], o["modified"]) for o in objs]

    assert ids(**{"match[type]": "identity"}) == [(ident["id"], ident["modified"])]
    assert ids(**{"match[id]": v1["id"]}) == [(v2["id"], v2["modified"])]  # default: last
    assert ids(**{"match[id]": v1["id"], "match[version]": "first"}) == [(v1["id"], v1["modified"])]
    assert len(ids(**{"match[id]": v1["id"], "match[version]": "all"})) == 2
    assert ids(**{"match[id]": v1["id"], "match[version]": "2024-01-01T00:00:00Z"}) == [
        (v1["id"], v1["modified"])
    ]
    assert ids(**{"match[spec_version]": "2.0"}) == []
    assert len(ids(**{"match[type]": "indicator,identity"})) == 3
    r = taxii.get(path)
    first = r.headers["X-TAXII-Date-Added-First"]
    assert len(ids(added_after=first)) == 2  # identity was added first; v1 is superseded


def test_duplicate_post_is_idempotent_and_bad_objects_are_reported(taxii: Taxii) -> None:
    path = f"{taxii.c}/objects/"
    body = {"objects": [indicator(1), indicator(1), {"type": "x"}, "nope"]}
    st = taxii.post(path, body).json()
    assert (st["success_count"], st["failure_count"], st["total_count"]) == (2, 2, 4)
    assert [s["message"] for s in st["successes"]] == ["added", "already present"]
    assert len(taxii.get(path, params={"match[version]": "all"}).json()["objects"]) == 1


# -- authentication, permissions, TLP:RED --------------------------------------------------


def test_authentication_and_per_collection_permissions(taxii: Taxii) -> None:
    path = f"{taxii.c}/objects/"
    anon = httpx.get(taxii.base + path, headers={"Accept": MEDIA})
    assert anon.status_code == 401 and anon.headers["www-authenticate"].startswith("Basic")
    assert anon.headers["content-type"] == MEDIA and anon.json()["http_status"] == "401"
    wrong = httpx.get(taxii.base + path, auth=("alice", "guess"), headers={"Accept": MEDIA})
    assert wrong.status_code == 401
    nobody = httpx.get(taxii.base + path, auth=("mallory", "x"), headers={"Accept": MEDIA})
    assert nobody.status_code == 401
    assert taxii.post(path, {"objects": [indicator(1)]}, user="bob").status_code == 403
    assert taxii.get(path, user="carol").status_code == 403
    assert taxii.get(f"{taxii.c}/manifest/", user="carol").status_code == 403
    assert taxii.get(f"{taxii.c}/", user="carol").status_code == 403
    assert taxii.get(f"/taxii2/detente/collections/{PRIV}/", user="carol").json()["can_read"]
    assert taxii.get(path, user="bob").status_code == 200
    with pytest.raises(Exception, match="401"):
        collection(taxii).__class__(
            taxii.collection_url, user="alice", password="bad"
        ).get_objects()


def test_tlp_red_object_is_served_only_to_named_recipients(taxii: Taxii) -> None:
    path = f"{taxii.c}/objects/"
    red = indicator(5, object_marking_refs=[RED],
                    extensions={RECIPIENTS: {"extension_type": "property-extension",
                                             "recipients": ["Lab A"]}})  # fmt: skip
    unnamed = indicator(6, object_marking_refs=[RED])
    granular = indicator(7, granular_markings=[{"marking_ref": RED, "selectors": ["pattern"]}])
    st = taxii.post(path, {"objects": [red, unnamed, granular, indicator(8)]}).json()
    assert st["success_count"] == 1 + 1 and st["failure_count"] == 2
    assert all("recipients" in f["message"] for f in st["failures"])
    # alice holds the identity "Lab A"; bob reads the collection but is not a recipient.
    assert [o["id"] for o in taxii.get(path).json()["objects"]] == [red["id"], indicator(8)["id"]]
    assert [o["id"] for o in taxii.get(path, user="bob").json()["objects"]] == [indicator(8)["id"]]
    assert taxii.get(path + red["id"] + "/", user="bob").status_code == 404
    assert taxii.get(path + red["id"] + "/versions/", user="bob").status_code == 404
    man = taxii.get(f"{taxii.c}/manifest/", user="bob").json()
    assert [m["id"] for m in man["objects"]] == [indicator(8)["id"]]


# -- protocol details ----------------------------------------------------------------------


def test_media_types_sizes_and_bad_parameters(taxii: Taxii) -> None:
    path = f"{taxii.c}/objects/"
    assert taxii.get(path, headers={"Accept": "text/html"}).status_code == 406
    assert (
        taxii.get(path, headers={"Accept": "application/taxii+json;version=2.0"}).status_code == 406
    )
    ok = taxii.get("/taxii2/", headers={"Accept": "application/taxii+json"})
    assert ok.status_code == 200 and ok.headers["content-type"] == MEDIA
    bad_ct = taxii.post(path, {"objects": []}, headers={"Content-Type": "application/json"})
    assert bad_ct.status_code == 415
    big = {"objects": [indicator(1, description="x" * 300_000)]}
    assert taxii.post(path, big).status_code == 413
    for params in ({"added_after": "yesterday"}, {"limit": "0"}, {"next": "abc"},
                   {"match[version]": "newest"}, {"match[id]": "not-an-id"}, {"foo": "1"}):  # fmt: skip
        r = taxii.get(path, params=params)
        assert r.status_code == 400 and r.json()["http_status"] == "400", params
    assert taxii.get("/taxii2/other/").status_code == 404
    assert taxii.get("/taxii2/detente/collections/nope/objects/").status_code == 404
    assert taxii.get(path + f"indicator--{uuid.uuid4()}/").status_code == 404
    assert taxii.post(path, ["not", "an", "envelope"]).status_code == 400
    assert taxii.get(path).json() == {}  # an empty collection: an empty envelope


@pytest.mark.slow
def test_data_survives_a_server_restart(own_server: Taxii) -> None:
    taxii = own_server
    path = f"{taxii.c}/objects/"
    taxii.post(path, {"objects": [indicator(i) for i in range(3)]})
    taxii.stop()
    taxii.start()
    assert len(taxii.get(path).json()["objects"]) == 3
    taxii.post(path, {"objects": [indicator(3)]})
    r = taxii.get(path, params={"limit": "2"}).json()
    r2 = taxii.get(path, params={"next": r["next"]}).json()
    assert [o["id"] for o in r["objects"] + r2["objects"]] == [indicator(i)["id"] for i in range(4)]


@pytest.mark.slow
def test_postgresql_store(tmp_path: Path) -> None:
    base = os.environ.get("DETENTE_TEST_PG_URL")
    if not base:
        if os.environ.get("CI"):
            raise RuntimeError("CI must provide DETENTE_TEST_PG_URL")
        pytest.skip("DETENTE_TEST_PG_URL not set")
    import sqlalchemy

    prefix = f"stix_t{os.getpid()}_"
    os.environ["DETENTE_TAXII_TABLE_PREFIX"] = prefix
    srv = start_taxii(base, tmp_path)
    try:
        path = f"{srv.c}/objects/"
        st = srv.post(path, {"objects": [indicator(i) for i in range(30)]}).json()
        assert st["success_count"] == 30
        srv.stop()
        srv.start()
        seen = [o["id"] for e in taxii2client.as_pages(collection(srv).get_objects, per_request=7)
                for o in e.get("objects", [])]  # fmt: skip
        assert seen == [indicator(i)["id"] for i in range(30)]
    finally:
        srv.stop()
        del os.environ["DETENTE_TAXII_TABLE_PREFIX"]
        eng = sqlalchemy.create_engine(base)
        with eng.begin() as c:
            for t in ("recipients", "objects", "status", "collections"):
                c.exec_driver_sql(f'DROP TABLE IF EXISTS "{prefix}{t}"')
        eng.dispose()


@pytest.mark.slow
def test_mounted_in_detente_registry_serve(tmp_path: Path) -> None:
    users = write_users(tmp_path / "users.toml")
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "detente", "registry", "serve", "--db",
         f"sqlite:///{tmp_path / 'reg.sqlite3'}", "--port", str(port), "--log-key",
         str(tmp_path / "log.key"), "--taxii-users", str(users)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(f"{base}/v1/log-key", timeout=1)
                break
            except httpx.HTTPError:
                assert time.monotonic() < deadline and proc.poll() is None, "server did not start"
                time.sleep(0.2)
        server = taxii2client.Server(f"{base}/taxii2/", user="alice", password="alice-pw")
        (root,) = server.api_roots
        assert root.url == f"{base}/taxii2/detente/"
        col = taxii2client.Collection(
            f"{root.url}collections/{COL}/", user="alice", password="alice-pw"
        )
        assert col.add_objects({"objects": [indicator(1)]}).success_count == 1
        assert [o["id"] for o in col.get_objects()["objects"]] == [indicator(1)["id"]]
        assert httpx.get(f"{base}/v1/log-key").status_code == 200  # the registry still answers
    finally:
        proc.kill()
        proc.wait()


def test_delete_an_object_and_errors_for_unknown_paths(taxii: Taxii) -> None:
    path = f"{taxii.c}/objects/"
    v1, v2 = indicator(3), indicator(3, modified="2024-05-01T00:00:00.000Z")
    taxii.post(path, {"objects": [v1, v2, indicator(4)]})
    one = f"{path}{v1['id']}/"
    auth = {"auth": ("bob", PASSWORDS["bob"]), "headers": {"Accept": MEDIA}}
    assert httpx.delete(taxii.base + one, **auth).status_code == 403  # bob only reads
    alice = {"auth": ("alice", PASSWORDS["alice"]), "headers": {"Accept": MEDIA}}
    r = httpx.delete(taxii.base + one, params={"match[version]": "last"}, **alice)
    assert r.status_code == 200
    assert taxii.get(one + "versions/").json()["versions"] == [v1["modified"]]
    assert taxii.get(one).json()["objects"] == [v1]  # the remaining version is now the last
    assert httpx.delete(taxii.base + one, **alice).status_code == 200
    assert taxii.get(one).status_code == 404
    assert httpx.delete(taxii.base + one, **alice).status_code == 404
    assert len(taxii.get(path).json()["objects"]) == 1
    for r in (taxii.get("/taxii2/detente/nothing/here/"), httpx.put(taxii.base + path, **alice)):
        assert r.status_code in (404, 405) and r.headers["content-type"] == MEDIA
        assert r.json()["http_status"] == str(r.status_code)


def test_a_report_travels_between_labs_through_taxii(taxii: Taxii) -> None:
    pytest.importorskip("stix2validator")
    from detente import incidents
    from detente.taxonomy import Severity

    report = incidents.IncidentReport(
        title="Agent exfiltrated a customer table",
        summary="Tool-use agent copied rows to [REDACTED:url#1].",
        determination=incidents.Determination.CONFIRMED,
        investigation_status=incidents.InvestigationStatus.OPEN,
        severity=Severity.HIGH,
        tlp=incidents.Tlp.RED,
        atlas=("AML.T0054",),
        cwe=("CWE-94",),
    )
    bundle = incidents.to_stix(report, recipients=["Lab A"])
    assert collection(taxii).add_objects({"objects": bundle["objects"]}).failure_count == 0
    # bob reads the collection but is not a named recipient of this TLP:RED report.
    seen = taxii.get(f"{taxii.c}/objects/", user="bob").json()["objects"]
    assert {o["type"] for o in seen} == {"marking-definition", "extension-definition", "identity"}
    assert all(o["name"] == "Détente" for o in seen if o["type"] == "identity")  # not the reporter
    objects = [o for p in taxii2client.as_pages(collection(taxii).get_objects, per_request=5)
               for o in p.get("objects", [])]  # fmt: skip
    got = incidents.from_stix({"type": "bundle", "id": bundle["id"], "objects": objects})
    assert got == report
