"""Partners' files in the pipeline: the one code path shared by `observatoire ingest`, the nightly refresh
and the `partner_intake` DAG. The intake itself (validation, archive, quarantine, landing) lives in
`extract.partners`; this module only calls it and makes sure dbt always finds the landing tables.

- `ingest_partner_file()` — one file, by hand (CLI) or from a DAG task.
- `ingest_partner_inbox()` — every file of the inbox (`OBS_INBOX_DIR`, default `$OBS_VAR_DIR/inbox`), plus, in
  offline demonstration mode for the Gers, the example files of `data/examples/partenaires/` flagged
  `est_demonstration` (a duplicate is a no-op, so this costs nothing after the first run).
- `ensure_partner_landing()` — writes an empty, typed `landing/partenaires_<kind>.parquet` for every kind
  never received, so `dbt build` runs on a fresh install.
"""

from __future__ import annotations

from pathlib import Path

from core.files import atomic_path
from core.settings import REPO_ROOT, Settings

EXAMPLES_DIR = REPO_ROOT / "data" / "examples" / "partenaires"
# Example file -> partner code, for the offline demonstration of the Gers (codes are the Gers' own).
EXAMPLE_PARTNERS = {
    "caf32_indicateurs_2024.csv": "CAF32",
    "msa_indicateurs_2023_windows1252.csv": "MSA",
    "cpam32_indicateurs_2024.xlsx": "CPAM32",
    "ccas_auch_abs_2024.csv": "CCAS-32013",
    "forum_autonomie_2024.csv": "FORUM",
    "cd32_actions_ctg_2025.xlsx": "CD32",
    "cd32_referentiel_offre.csv": "CD32",
}


def ingest_partner_file(path: Path | str, partner: str, kind: str | None, settings: Settings, *,
                        demonstration: bool = False):
    """Ingest one partner file (never raises for a bad file: the result says `refused`, with its report)."""
    from extract.partners import ingest_file

    result = ingest_file(Path(path), partner, kind, settings, demonstration=demonstration)
    ensure_partner_landing(settings)
    return result


def examples_enabled(settings: Settings) -> bool:
    """OBS_PARTNER_EXAMPLES: 'auto' (default: offline mode and département 32), 'yes' or 'no'."""
    value = settings.partner_examples.strip().lower()
    if value in {"yes", "oui", "1", "true"}:
        return True
    if value in {"no", "non", "0", "false"}:
        return False
    return settings.mode == "offline" and settings.departement == "32"


def ingest_partner_inbox(settings: Settings, *, examples: bool | None = None) -> list[dict]:
    """Ingest the inbox (and the demonstration examples when enabled); one summary dict per file handled.

    A refused file does not stop the others nor the refresh: it is quarantined with its French report and
    shows in the data-quality mart. Returns plain dicts (XCom-friendly: names, statuses, counts, paths).
    """
    from extract.partners import ingest_file, ingest_inbox

    results = []
    if examples_enabled(settings) if examples is None else examples:
        for name, partner in EXAMPLE_PARTNERS.items():
            if (EXAMPLES_DIR / name).exists():
                results.append(ingest_file(EXAMPLES_DIR / name, partner, None, settings, demonstration=True))
    results += ingest_inbox(settings)
    ensure_partner_landing(settings)
    return [summarise(r) for r in results]


def summarise(result) -> dict:
    return {
        "fichier": Path(result.path).name, "partenaire": result.partner, "type_fichier": result.kind,
        "statut": result.status, "lignes": result.rows, "periodes": list(result.periods),
        "version": result.version, "nb_erreurs": result.errors_total,
        "rapport": str(result.report_path) if result.report_path else None, "message": result.summary(),
    }


def _arrow_type(column):
    import pyarrow as pa

    from extract.partners.contracts import DATE, INTEGER, NUMBER

    return {INTEGER: pa.int64(), NUMBER: pa.float64(), DATE: pa.date32()}.get(column.type, pa.string())


def landing_schema(contract):
    """The columns `extract.partners.ingest` writes for `contract` (used only for empty tables)."""
    import pyarrow as pa

    from extract.partners.contracts import TERRITORY_CODE

    fields = [pa.field(c.name, _arrow_type(c)) for c in contract.columns]
    if any(c.type == TERRITORY_CODE for c in contract.columns):
        fields += [pa.field("code_territoire_recu", pa.string()), pa.field("cle_territoire", pa.string())]
    if contract.period_column == "periode":
        fields.append(pa.field("annee", pa.int64()))
    fields += [
        pa.field("_ligne", pa.int64()), pa.field("partenaire", pa.string()), pa.field("fichier", pa.string()),
        pa.field("_sha256", pa.string()), pa.field("recu_le", pa.timestamp("us", tz="UTC")),
        pa.field("version", pa.int32()), pa.field("est_demonstration", pa.bool_()),
    ]
    return pa.schema(fields)


def ensure_partner_landing(settings: Settings) -> list[Path]:
    """Create the empty landing table of every kind never received (and the receptions table)."""
    import pyarrow.parquet as pq

    from extract.partners import CONTRACTS
    from extract.partners.ingest import RECEPTIONS, _write_receptions

    created = []
    settings.landing_dir.mkdir(parents=True, exist_ok=True)
    for kind, contract in CONTRACTS.items():
        path = settings.landing_dir / f"partenaires_{kind}.parquet"
        if not path.exists():
            schema = landing_schema(contract)
            with atomic_path(path, suffix=".parquet") as tmp:
                pq.write_table(schema.empty_table(), tmp)
            created.append(path)
    if not (settings.landing_dir / RECEPTIONS).exists():
        _write_receptions(settings)  # an empty log when nothing was ever received
        created.append(settings.landing_dir / RECEPTIONS)
    return created


def receptions_summary(settings: Settings) -> list[dict]:
    """Latest reception per (partner, kind) plus counts of accepted / refused files (for `status`)."""
    from extract.partners.ingest import receptions

    out: dict[tuple, dict] = {}
    for line in receptions(settings):
        key = (line["partner"], line.get("kind") or "?")
        entry = out.setdefault(key, {"partenaire": key[0], "type_fichier": key[1], "acceptes": 0, "refuses": 0})
        entry["acceptes" if line["status"] == "accepted" else "refuses"] += 1
        entry.update(dernier_fichier=line["original_name"], recu_le=line["received_at"], statut=line["status"],
                     lignes=line.get("rows", 0), demonstration=line.get("demonstration", False),
                     rapport=line.get("report"))
    return [out[k] for k in sorted(out)]


def inbox_files(settings: Settings) -> list[Path]:
    """Files waiting in the inbox, oldest first: the listing `ingest_partner_inbox` then handles
    (`extract.partners.ingest.inbox_entries`, the one walk of the inbox)."""
    from extract.partners.ingest import inbox_entries

    return [path for path, _ in inbox_entries(settings)]


def published_sources(settings: Settings) -> list[dict]:
    """meta.sources of the published warehouse: a rebuild for partners' files re-extracts nothing, so the
    publication keeps describing the source vintages actually in landing."""
    from observatoire.publish import read_status

    status = read_status(settings.warehouse_path)
    return list(status["sources"]) if status else []


def unpublished_fingerprint(settings: Settings) -> str | None:
    """The inputs' fingerprint when a published warehouse exists and was not built from them: files accepted
    or refused since (the receptions log is a landing table too), or a run stopped before its publish. None
    when there is nothing new to publish, or nothing published yet (the first refresh publishes)."""
    from observatoire.fingerprint import inputs_fingerprint, published_fingerprint

    published = published_fingerprint(settings.warehouse_path)
    if published is None:
        return None
    current = inputs_fingerprint(settings, published_sources(settings))
    return current if current != published else None
