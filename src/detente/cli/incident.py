"""``detente incident …``: write, redact, sign, publish and selectively disclose incident reports.

``export``/``import`` translate a report to and from a STIX 2.1 bundle.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from detente.cli._common import emit_json, format_option

_ORG = click.option(
    "--org-domain",
    "org_domains",
    multiple=True,
    metavar="DOMAIN",
    help="Your own domain: its hosts, URLs count as internal (repeatable).",
)


def _dump(obj: Any) -> bytes:
    return (json.dumps(obj, indent=1, ensure_ascii=False) + "\n").encode()


@click.group()
def incident() -> None:
    """Write an incident report, redact it, sign it, publish it, disclose chosen values.

    \b
    Lab A (reporter):
      detente incident new -o ir.json --title "Jailbreak → ransomware" --severity high \\
          --determination confirmed --model gemma=sha256:… --atlas AML.T0054
      detente incident sign ir.json --key lab-a.key --org-domain lab-a.com
      detente incident publish ir.intoto.json --namespace lab-a
      detente incident disclose ir.intoto.json --salts ir.salts.json --to lab-b.x25519.pub \\
          --spans api_key#1,ip_address -o for-lab-b.json
    Lab B (recipient):
      detente incident open for-lab-b.json --report ir.intoto.json --from lab-a.pub \\
          --key lab-b.x25519.key
    """


@incident.command()
@click.option(
    "-o", "--out", type=click.Path(path_type=Path), required=True, help="Draft report to write."
)
@click.option("--title", required=True)
@click.option("--summary", default="")
@click.option(
    "--severity", type=click.Choice(["info", "low", "medium", "high", "critical"]), default="medium"
)
@click.option("--determination", type=click.Choice(["suspected", "confirmed", "blocked", "failed-attempt", "false-positive"]), default="suspected")  # fmt: skip
@click.option(
    "--status", "investigation", type=click.Choice(["new", "open", "closed"]), default="new"
)
@click.option(
    "--tlp", type=click.Choice(["clear", "green", "amber", "amber+strict", "red"]), default="amber"
)
@click.option("--reporter", default="")
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="NAME=DIGEST",
    help="Affected model (OMS root digest).",
)
@click.option("--atlas", multiple=True, metavar="AML.T…")
@click.option("--attack", multiple=True, metavar="T…")
@click.option("--cwe", multiple=True, metavar="CWE-…")
@click.option("--owasp", multiple=True, metavar="LLM0x:2025")
def new(out: Path, title: str, summary: str, severity: str, determination: str, investigation: str, tlp: str,
        reporter: str, models: tuple[str, ...], atlas: tuple[str, ...], attack: tuple[str, ...],
        cwe: tuple[str, ...], owasp: tuple[str, ...]) -> None:  # fmt: skip
    """Write a new draft report (detente.incident/v1); ids are checked against the shipped
    ATLAS 5.6.0, CWE 4.14 and OWASP LLM 2025 data. Edit the JSON, then `sign` it."""
    from detente import incidents
    from detente.errors import UsageError

    affected = []
    for m in models:
        name, sep, digest = m.rpartition("=")
        if not sep:
            raise UsageError(f"--model {m!r}: expected NAME=algorithm:hex")
        affected.append({"name": name, "root_digest": digest})
    draft = incidents.IncidentReport(
        title=title, summary=summary, determination=incidents.Determination(determination),
        investigation_status=incidents.InvestigationStatus(investigation),
        severity=_severity(severity), reporter=reporter, tlp=incidents.Tlp(tlp),
    ).to_dict()  # fmt: skip
    draft.update(
        affected_models=affected,
        atlas=list(atlas),
        attack=list(attack),
        cwe=list(cwe),
        owasp_llm=list(owasp),
    )
    report = incidents.IncidentReport.from_dict(draft, "new report")  # validates ids and digests
    incidents.write_files([(out, _dump(report.to_dict()), 0o600)])
    click.echo(f"wrote draft {out} (id {report.id}); it is NOT redacted yet: edit it, then sign it")


def _severity(name: str) -> Any:
    from detente.taxonomy import Severity

    return Severity.parse(name)


@incident.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
@_ORG
@click.option("--salts", type=click.Path(path_type=Path), default=None, help="Also write the openings (values + salts, 0600) here.")  # fmt: skip
@format_option()
def redact(
    files: tuple[Path, ...], org_domains: tuple[str, ...], salts: Path | None, fmt: str
) -> None:
    """Redact text FILES (Markdown, chat logs, JSON lines, shell transcripts, e-mail; English and
    Chinese): secrets, addresses, hosts, names, paths, cloud URIs, account ids, exploit prompts
    and payloads become typed placeholders with salted commitments.

    --format json prints {"schema": "detente.redaction/v1", "text", "spans"} for one file
    (offsets into the original text), or {"files": [{"path", ...}, ...]} for several.
    """
    from detente import incidents
    from detente.errors import InputError

    texts = []
    for f in files:
        try:
            texts.append(f.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read as UTF-8 text: {exc}", f) from None
    redactor = incidents.Redactor(org_domains)
    results = [redactor.redact(t) for t in texts]
    if salts is not None:
        doc = incidents.salts_document(f"redaction:{','.join(map(str, files))}", redactor.openings)
        incidents.write_files([(salts, _dump(doc), 0o600)])
    if fmt == "json":
        if len(results) == 1:
            emit_json(results[0].to_dict())
        else:
            emit_json(
                {
                    "files": [
                        {"path": str(f), **r.to_dict()} for f, r in zip(files, results, strict=True)
                    ]
                }
            )
        return
    for f, r in zip(files, results, strict=True):
        if len(files) > 1:
            click.echo(f"==> {f} ({len(r.spans)} redactions) <==")
        click.echo(r.text)


@incident.command()
@click.argument("report_path", metavar="REPORT", type=click.Path(path_type=Path))
@click.option("--key", "key_path", type=click.Path(path_type=Path), default=None, help="Signing key [default: your detente key].")  # fmt: skip
@_ORG
@click.option("-o", "--out", type=click.Path(path_type=Path), default=None, help="Bundle [default: REPORT.intoto.json].")  # fmt: skip
@click.option("--salts", type=click.Path(path_type=Path), default=None, help="Salts file [default: REPORT.salts.json].")  # fmt: skip
@click.option("--sd-jwt", "sd_jwt", type=click.Path(path_type=Path), default=None, help="Also write the SD-JWT form.")  # fmt: skip
@format_option()
def sign(report_path: Path, key_path: Path | None, org_domains: tuple[str, ...], out: Path | None,
         salts: Path | None, sd_jwt: Path | None, fmt: str) -> None:  # fmt: skip
    """Redact REPORT and sign it as an in-toto attestation (https://detente.dev/incident/v1).

    Writes the signed bundle (redacted text + commitments only) and the salts file (values and
    salts, mode 0600 — keep it; `disclose` needs it). Nothing is written if anything fails.
    """
    from detente import incidents
    from detente.cli.keys import load_signing_key

    report = incidents.read_report(report_path)
    key = load_signing_key(key_path, lambda m: click.echo(m, err=True))
    bundle, redacted, openings = incidents.sign_report(report, key, org_domains)
    stem = report_path.with_suffix("")
    out = out or stem.with_name(stem.name + ".intoto.json")
    salts = salts or stem.with_name(stem.name + ".salts.json")
    files = [
        (out, _dump(bundle), 0o644),
        (salts, _dump(incidents.salts_document(redacted.id, openings)), 0o600),
    ]
    if sd_jwt is not None:
        files.append(
            (sd_jwt, (incidents.issue_sd_jwt(redacted, openings, key) + "\n").encode(), 0o600)
        )
    incidents.write_files(files)
    summary = {"bundle": str(out), "salts": str(salts), "report_id": redacted.id,
               "report_digest": incidents.report_digest(redacted),
               "redactions": [c.to_dict() for c in redacted.redactions]}  # fmt: skip
    if fmt == "json":
        emit_json(summary)
    else:
        click.echo(
            f"signed {out}: {len(redacted.redactions)} values redacted; salts in {salts} (0600)"
        )


@incident.command()
@click.argument("bundle_path", metavar="BUNDLE", type=click.Path(path_type=Path))
@click.option(
    "--pub",
    "pub_path",
    required=True,
    type=click.Path(path_type=Path),
    help="The reporter's public key.",
)
@format_option()
def verify(bundle_path: Path, pub_path: Path, fmt: str) -> None:
    """Verify a signed incident BUNDLE and print the (redacted) report it carries."""
    from detente import attest, incidents

    report = incidents.verify_report(
        incidents.read_json(bundle_path), attest.load_public_key(pub_path)
    )
    if fmt == "json":
        emit_json(report.to_dict())
    else:
        click.echo(
            f"OK: {report.title} [{report.severity}, {report.determination.value}]\n{report.summary}"
        )


@incident.command()
@click.option(
    "--out", "out_dir", type=click.Path(path_type=Path), default=Path("."), show_default=True
)
@click.option(
    "--name", required=True, help="Base name: NAME.x25519.key (0600) and NAME.x25519.pub."
)
def keygen(out_dir: Path, name: str) -> None:
    """Make an X25519 key pair to RECEIVE disclosures (HPKE, RFC 9180)."""
    from detente import incidents

    priv, pub = incidents.generate_recipient_key(out_dir, name)
    click.echo(f"wrote {priv} (0600) and {pub}: give {pub.name} to the reporter")


@incident.command()
@click.argument("bundle_path", metavar="REPORT", type=click.Path(path_type=Path))
@click.option(
    "--salts", type=click.Path(path_type=Path), required=True, help="The salts file `sign` wrote."
)
@click.option(
    "--to",
    "to_path",
    type=click.Path(path_type=Path),
    required=True,
    help="Recipient's X25519 public key.",
)
@click.option("--spans", required=True, help="Comma-separated: api_key#1, a type (email) or all.")
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True)
@format_option()
def disclose(
    bundle_path: Path, salts: Path, to_path: Path, spans: str, out: Path, fmt: str
) -> None:
    """Encrypt the chosen redacted values of the signed REPORT to one recipient (HPKE)."""
    from detente import incidents
    from detente.errors import UsageError

    report = incidents.report_in_bundle(incidents.read_json(bundle_path), bundle_path)
    report_id, openings = incidents.read_salts(salts)
    if report_id != report.id:
        raise UsageError(f"{salts} belongs to report {report_id}, not {report.id}")
    recipient = incidents.load_recipient_public_key(to_path)
    chosen = incidents.select_openings(openings, spans.split(","))
    package = incidents.disclose(report, chosen, recipient)
    incidents.write_files([(out, _dump(package), 0o644)])
    result = {
        "package": str(out),
        "recipient": package["recipient"],
        "disclosed": [o.placeholder for o in chosen],
    }
    if fmt == "json":
        emit_json(result)
    else:
        click.echo(f"wrote {out}: {len(chosen)} value(s) for {package['recipient'][:19]}…")


@incident.command(name="open")
@click.argument("package_path", metavar="PACKAGE", type=click.Path(path_type=Path))
@click.option(
    "--report",
    "bundle_path",
    type=click.Path(path_type=Path),
    required=True,
    help="The signed report.",
)
@click.option(
    "--from",
    "from_path",
    type=click.Path(path_type=Path),
    required=True,
    help="Reporter's public key.",
)
@click.option(
    "--key",
    "key_path",
    type=click.Path(path_type=Path),
    required=True,
    help="Your X25519 private key.",
)
@format_option()
def open_cmd(
    package_path: Path, bundle_path: Path, from_path: Path, key_path: Path, fmt: str
) -> None:
    """Decrypt a disclosure PACKAGE and check every value against the signed commitments.

    Exit 1 if the package or a value is forged, swapped or not for you; 2 if malformed.
    """
    from detente import attest, incidents

    report = incidents.verify_report(
        incidents.read_json(bundle_path), attest.load_public_key(from_path)
    )
    opened = incidents.open_disclosure(
        incidents.read_json(package_path), incidents.load_recipient_private_key(key_path), report
    )
    rows = [
        {"placeholder": o.placeholder, "type": o.type, "field": o.field, "value": o.value}
        for o in opened
    ]
    if fmt == "json":
        emit_json({"report_id": report.id, "verified": True, "opened": rows})
    else:
        for r in rows:
            click.echo(f"{r['placeholder']} ({r['field']}) = {r['value']}")


@incident.command()
@click.argument("bundle_path", metavar="BUNDLE", type=click.Path(path_type=Path))
@click.option(
    "--namespace", required=True, help="Your namespace in the registry (its key signed the bundle)."
)
@click.option(
    "--registry", "url", default=None, help="Registry URL [default: the embedded registry]."
)
@format_option()
def publish(bundle_path: Path, namespace: str, url: str | None, fmt: str) -> None:
    """Append a signed (redacted) incident BUNDLE to the transparency log."""
    from detente import incidents
    from detente.registry import connect

    bundle = incidents.read_json(bundle_path)
    report = incidents.report_in_bundle(bundle, bundle_path)  # refuse anything but a report
    result = connect(url).publish(bundle, namespace)
    if fmt == "json":
        emit_json({**result, "report_id": report.id})
    else:
        click.echo(f"published incident {report.id}: log entry {result['index']}")


@incident.command(name="export")
@click.argument("report_path", metavar="REPORT", type=click.Path(path_type=Path))
@click.option("--format", "out_format", type=click.Choice(["stix"]), default="stix", show_default=True, help="STIX 2.1 bundle (validated, extensions checked).")  # fmt: skip
@click.option("--recipient", "recipients", multiple=True, metavar="NAME", help="Who may see TLP:RED content (repeatable; required for TLP:RED).")  # fmt: skip
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="Where to write the bundle.")  # fmt: skip
def export(report_path: Path, out_format: str, recipients: tuple[str, ...], out: Path) -> None:
    """Export a report as a STIX 2.1 bundle: an incident (Incident Core extension),
    attack-patterns for ATLAS/ATT&CK, vulnerabilities for CWE, indicators, TLP 2.0 markings.
    REPORT is a signed bundle from `sign` (its redacted report) or a report JSON.

    \b
      detente incident export ir.intoto.json --format stix -o ir.stix.json
    """
    from detente import incidents

    data = incidents.read_json(report_path)
    if isinstance(data, dict) and data.get("schema") == incidents.REPORT_SCHEMA:
        report = incidents.read_report(report_path)
        click.echo("note: exporting an unsigned report; only share it once it is redacted", err=True)  # fmt: skip
    else:
        report = incidents.report_in_bundle(data, report_path)
    bundle = incidents.to_stix(report, recipients=recipients)
    incidents.write_files([(out, _dump(bundle), 0o600)])
    click.echo(f"wrote {out_format.upper()} bundle {out} ({len(bundle['objects'])} objects)")


@incident.command(name="import")
@click.argument("stix_path", metavar="STIX", type=click.Path(path_type=Path))
@click.option("-o", "--out", type=click.Path(path_type=Path), required=True, help="Where to write the report JSON.")  # fmt: skip
@format_option()
def import_cmd(stix_path: Path, out: Path, fmt: str) -> None:
    """Read a STIX 2.1 bundle made by `export` back into a detente.incident/v1 report.
    Malformed STIX, or an extension we have no schema for, is refused (exit 2, nothing written).

    \b
      detente incident import ir.stix.json -o ir.json
    """
    from detente import incidents

    report = incidents.from_stix(incidents.read_json(stix_path), str(stix_path))
    incidents.write_files([(out, _dump(report.to_dict()), 0o600)])
    if fmt == "json":
        emit_json({"report": str(out), "id": report.id, "title": report.title})
    else:
        click.echo(f"imported incident {report.id} ({report.title!r}) into {out}")
