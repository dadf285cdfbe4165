"""Intake of one partner file: read → validate whole file (chunk by chunk) → archive → landing, or quarantine.

A file is accepted whole or refused whole. Refused: copied (or moved, from the inbox) to
var/quarantine/<partner>/ with a French report (.md) and a machine-readable one (.json); raw and the data
landing tables are untouched. Accepted: archived read-only under raw/partenaires/<partner>/<kind>/<sha256>/,
one line in raw/partenaires/_receptions.jsonl, and landing/partenaires_<kind>.parquet keeps, for each
(partner, period), the rows of the latest accepted version.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import unicodedata
import uuid
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from core.files import atomic_path
from core.lock import writer_lock
from core.settings import Settings
from extract.partners.contracts import CONTRACTS, Contract
from extract.partners.readers import (
    Header,
    Unreadable,
    csv_chunks,
    csv_header,
    detect_format,
    scan,
    xlsx_chunks,
    xlsx_header,
)
from extract.partners.reference import (
    Partner,
    UnknownPartner,
    load_geography,
    resolve_partner,
)
from extract.partners.validate import (
    MAX_ERRORS,
    Context,
    Problems,
    known_spellings,
    map_columns,
    match_score,
    neutralise,
    validate_chunk,
)
from extract.raw import sql_literal

CHUNK_ROWS = 50_000  # rows validated at once: bounds memory whatever the file size
DUCKDB_MEMORY = "256MB"
MANIFEST = "_receptions.jsonl"
RECEPTIONS = "partenaires_receptions.parquet"


@dataclass
class IngestResult:
    status: str  # 'accepted', 'duplicate' or 'refused'
    path: str
    partner: str
    kind: str | None
    sha256: str | None = None
    rows: int = 0
    periods: list[str] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)
    errors_total: int = 0
    notes: list[str] = field(default_factory=list)
    report_path: Path | None = None
    archive_path: Path | None = None
    version: int | None = None

    @property
    def ok(self) -> bool:
        return self.status in {"accepted", "duplicate"}

    def raise_for_status(self) -> IngestResult:
        if not self.ok:
            raise PartnerFileRefused(self)
        return self

    def summary(self) -> str:
        name = Path(self.path).name
        if self.status == "accepted":
            return (f"{name} : accepté ({self.kind}, {self.rows} lignes, périodes {', '.join(self.periods)}, "
                    f"version {self.version})")
        if self.status == "duplicate":
            return f"{name} : déjà reçu à l'identique (sha256 {self.sha256[:12]}…), rien à faire"
        return f"{name} : refusé, {self.errors_total} erreur(s) — rapport : {self.report_path}"


class PartnerFileRefused(Exception):
    """A partner file was refused; `.result` holds the errors, `.report` the French report text."""

    def __init__(self, result: IngestResult):
        self.result = result
        self.report = (Path(result.report_path).read_text(encoding="utf-8")
                       if result.report_path and Path(result.report_path).exists() else "")
        super().__init__(result.summary())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def safe_name(name: str) -> str:
    """The bare file name, with no path, control character or leading dot; never empty."""
    base = re.split(r"[\\/]", name)[-1]
    base = unicodedata.normalize("NFC", base)
    base = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", base).strip(" .")
    return base[:150] or "fichier"


def _lock(settings: Settings):
    """The pipeline's one writer lock (core/lock.py): a landing table never changes while an extract,
    a dbt build or a publish runs. Waits up to OBS_LOCK_TIMEOUT seconds, then fails with a French message."""
    return writer_lock(settings.lock_path)


def manifest_path(settings: Settings) -> Path:
    return settings.raw_dir / "partenaires" / MANIFEST


def receptions(settings: Settings) -> list[dict]:
    path = manifest_path(settings)
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ------------------------------------------------------------------------------------------ reading


def _choose_contract(header: Header, kind: str | None, problems: Problems) -> Contract | None:
    if kind is not None:
        return CONTRACTS[kind]
    scores = []
    for contract in CONTRACTS.values():
        req, found = match_score(contract, header)
        if req == len(contract.required):
            scores.append((found, -len(contract.columns), contract))
    if not scores:
        best = max(CONTRACTS.values(), key=lambda c: match_score(c, header))
        problems.add(header.row, None, None, "type de fichier non reconnu",
                     "les colonnes ne correspondent à aucun modèle de fichier (le plus proche : "
                     f"{best.kind})", "Partez du modèle (commande « observatoire template ») ou précisez le "
                     "type de fichier (--kind).")
        return None
    scores.sort(key=lambda t: (t[0], t[1]), reverse=True)
    return scores[0][2]


@dataclass
class _Intake:
    """One file being ingested: where it is, how it was received, and what was found so far."""
    path: Path
    name: str  # the bare, safe file name (archive, quarantine, reports)
    settings: Settings
    result: IngestResult
    received_at: str
    staged: Path  # typed rows of the file, written chunk by chunk while validating
    move: bool = False  # take the file away from where it is (the inbox) once handled
    inbox: Path | None = None  # the file must lie inside this folder
    demonstration: bool = False
    problems: Problems = field(default_factory=Problems)
    notes: dict[str, set] = field(default_factory=dict)
    fmt: str | None = None


def _frames(job: _Intake, header: Header, contract: Contract, mapping) -> Iterator[pd.DataFrame]:
    """The file's chunks as text frames named after the contract's columns; a value typed in a column without a
    header is a problem."""
    read = csv_chunks if job.fmt == "csv" else xlsx_chunks
    for chunk in read(job.path, header, CHUNK_ROWS):
        for pos in mapping.dropped:
            filled = chunk[pos].notna()
            if filled.any():
                ligne = int(filled[filled].index[0])
                value = chunk.at[ligne, pos]
                job.problems.add(ligne, f"{pos + 1} (sans en-tête)", value, "colonne sans en-tête",
                                 f"valeur « {neutralise(value)} » saisie dans une colonne sans nom",
                                 "Donnez à la colonne un nom du modèle ou supprimez ces cellules.")
        yield pd.DataFrame({c.name: chunk[mapping.positions[c.name]] if c.name in mapping.positions
                            else pd.Series(None, index=chunk.index, dtype=object)
                            for c in contract.columns}, index=chunk.index)


def _stage(job: _Intake, typed_chunks: Iterable[pd.DataFrame]) -> int:
    """Write the typed rows to `job.staged` (until the error cap: then only count); returns the rows read."""
    writer: pq.ParquetWriter | None = None
    rows = 0
    try:
        for typed in typed_chunks:
            rows += len(typed)
            if typed.empty or job.problems.total >= MAX_ERRORS:
                continue  # keep reading to count rows, no more staging needed
            table = pa.Table.from_pandas(typed.reset_index(drop=True), preserve_index=False)
            if writer is None:
                writer = pq.ParquetWriter(job.staged, table.schema)
            writer.write_table(table.cast(writer.schema))
    finally:
        if writer is not None:
            writer.close()
    return rows


def _validate(job: _Intake, header: Header, contract: Contract) -> int:
    """Validate every chunk, writing typed rows to `job.staged` parquet; returns the number of data rows."""
    mapping = map_columns(contract, header, job.problems)
    if job.problems:
        return 0
    debut, fin = job.settings.convention_period
    ctx = Context(contract, load_geography(job.settings), debut, fin, job.settings.departement)
    rows = _stage(job, (validate_chunk(frame, ctx, job.problems, job.notes)
                        for frame in _frames(job, header, contract, mapping)))
    if rows == 0 and not job.problems:
        job.problems.add(None, None, None, "aucune donnée", "le fichier ne contient aucune ligne de données "
                         "sous l'en-tête", "Saisissez au moins une ligne sous la ligne d'en-tête.")
    if job.problems.total < MAX_ERRORS and job.staged.exists():
        _duplicates(contract, job.staged, job.problems)
    return rows


def _duckdb(spill: Path) -> duckdb.DuckDBPyConnection:
    """In-memory DuckDB with bounded memory, spilling to `spill` (files of any size stay streamable)."""
    spill.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(config={"memory_limit": DUCKDB_MEMORY, "temp_directory": str(spill),
                                  "preserve_insertion_order": False, "threads": 2})


def _duplicates(contract: Contract, staged: Path, problems: Problems) -> None:
    """Rows sharing the contract's key, found by DuckDB over the staged rows (spills to disk if needed)."""
    keys = ", ".join(f'"{k}"' for k in contract.key)
    join = " and ".join(f's."{k}" is not distinct from d."{k}"' for k in contract.key)
    with _duckdb(staged.parent / "duckdb") as con:
        found = con.execute(
            f"with d as (select {keys}, min(_ligne) as premiere from read_parquet(?) group by all "
            f"having count(*) > 1 order by premiere limit {MAX_ERRORS}) "
            f"select d.*, min(s._ligne) as suivante from d join read_parquet(?) s on {join} "
            f"and s._ligne > d.premiere group by all order by suivante", [str(staged), str(staged)]
        ).fetchall()
    for row in found:
        values, first, second = row[: len(contract.key)], row[-2], row[-1]
        described = ", ".join(f"{k} = {v}" for k, v in zip(contract.key, values, strict=True))
        problems.add(second, ", ".join(contract.key), described, "clé en double",
                     f"même clé que la ligne {first} ({described})",
                     "Une seule ligne par " + " × ".join(contract.key) + " : supprimez ou corrigez le doublon "
                     "(si une commune a fusionné, additionnez les valeurs sur la commune nouvelle).")


# ------------------------------------------------------------------------------------------ writing


def _archive(path: Path, settings: Settings, partner: str, kind: str, sha: str, name: str) -> Path:
    folder = settings.raw_dir / "partenaires" / partner / kind / sha
    target = folder / name
    with atomic_path(target) as tmp:
        shutil.copyfile(path, tmp)
        os.chmod(tmp, 0o444)
    return target


def _landing_path(settings: Settings, kind: str) -> Path:
    return settings.landing_dir / f"partenaires_{kind}.parquet"


def _merge_landing(settings: Settings, contract: Contract, staged: Path, partner: str, periods: list[str],
                   extra: dict) -> None:
    target = _landing_path(settings, contract.kind)
    assigns = ", ".join(f"? as {k}" for k in extra)
    params = list(extra.values())
    new = f"select *, {assigns} from read_parquet({sql_literal(staged)})"
    with atomic_path(target, suffix=".parquet") as tmp, _duckdb(settings.var_dir / "tmp" / "duckdb") as con:
        if target.exists():
            if contract.period_column:
                keep = f"not (partenaire = ? and cast({contract.period_column} as varchar) in " \
                       f"(select unnest(?::varchar[])))"
                keep_params = [partner, periods]
            else:
                keep, keep_params = "partenaire <> ?", [partner]
            query = (f"select * from read_parquet({sql_literal(target)}) where {keep} "
                     f"union all by name {new}")
            params = keep_params + params
        else:
            query = new
        con.execute(f"copy ({query}) to {sql_literal(tmp)} (format parquet)", params)


def _write_receptions(settings: Settings) -> None:
    lines = receptions(settings)
    columns = ["numero_reception", "partenaire", "type_fichier", "sha256", "recu_le", "fichier", "lignes",
               "periodes", "statut", "nb_erreurs", "motifs", "rapport", "version", "est_demonstration"]
    frame = pd.DataFrame([{
        "numero_reception": number, "partenaire": r["partner"], "type_fichier": r.get("kind"),
        "sha256": r.get("sha256"),
        "recu_le": pd.Timestamp(r["received_at"]), "fichier": r["original_name"], "lignes": r.get("rows", 0),
        "periodes": ", ".join(r.get("periods") or []), "statut": r["status"],
        "nb_erreurs": r.get("errors_total", 0), "motifs": " | ".join(r.get("reasons") or []),
        "rapport": r.get("report"), "version": r.get("version"), "est_demonstration": r.get("demonstration", False),
    } for number, r in enumerate(lines, start=1)], columns=columns)
    frame = frame.astype({"numero_reception": "int64", "lignes": "int64", "nb_erreurs": "int64", "version": "Int64",
                          "est_demonstration": "bool"})
    with atomic_path(settings.landing_dir / RECEPTIONS, suffix=".parquet") as tmp:
        frame.to_parquet(tmp, index=False)


def _upgrade_receptions(settings: Settings) -> None:
    """Rewrite a receptions table written before `numero_reception` existed (the log itself is unchanged)."""
    target = settings.landing_dir / RECEPTIONS
    if target.exists() and "numero_reception" not in pq.read_schema(target).names:
        _write_receptions(settings)


def _record(settings: Settings, line: dict) -> None:
    path = manifest_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8") as handle:
        handle.write(json.dumps(line, ensure_ascii=False, default=str) + "\n")
    _write_receptions(settings)


def _quarantine(path: Path, settings: Settings, result: IngestResult, name: str, move: bool,
                received_at: str) -> Path:
    known = re.fullmatch(r"[A-Z0-9]+(-[0-9A-Z]+)?", result.partner or "")
    folder = settings.var_dir / "quarantine" / (result.partner if known else "_inconnu")
    folder.mkdir(parents=True, exist_ok=True)
    stamp = received_at.replace(":", "").replace("-", "").replace("+0000", "Z")[:15]
    base = f"{stamp}_{(result.sha256 or uuid.uuid4().hex)[:8]}_{name}"
    stored = folder / base
    if path.is_symlink() or not path.exists():
        stored = None  # never follow a link out of the inbox: only the report is written
        if move and path.is_symlink():
            path.unlink()
    elif move:
        shutil.move(str(path), stored)
    else:
        shutil.copyfile(path, stored)
    report_md = folder / f"{base}.rapport.md"
    report_json = folder / f"{base}.rapport.json"
    report_md.write_text(render_report(result, name, received_at), encoding="utf-8")
    report_json.write_text(json.dumps({
        "fichier": neutralise(name), "partenaire": result.partner, "type_fichier": result.kind,
        "sha256": result.sha256, "recu_le": received_at, "statut": "refused",
        "fichier_en_quarantaine": str(stored) if stored else None, "nb_erreurs": result.errors_total,
        "erreurs": result.errors, "remarques": result.notes,
    }, ensure_ascii=False, indent=2), encoding="utf-8")
    return report_md


def render_report(result: IngestResult, name: str, received_at: str) -> str:
    lines = [
        f"# Fichier refusé : {neutralise(name)}",
        "",
        f"- Partenaire : {result.partner or 'inconnu'}",
        f"- Type de fichier : {result.kind or 'non reconnu'}",
        f"- Reçu le : {received_at}",
        f"- Empreinte SHA-256 : {result.sha256 or '—'}",
        "",
        "Le fichier n'a pas été chargé, en entier : aucune de ses lignes n'est entrée dans l'observatoire. "
        "Corrigez les points ci-dessous puis renvoyez le fichier complet.",
        "",
        f"## {result.errors_total} erreur(s)" + (f" (les {len(result.errors)} premières)"
                                                   if result.errors_total > len(result.errors) else ""),
        "",
    ]
    for err in result.errors:
        where = ", ".join(x for x in (f"ligne {err['ligne']}" if err["ligne"] is not None else "",
                                      f"colonne {err['colonne']}" if err["colonne"] else "") if x)
        lines.append(f"- {where + ' : ' if where else ''}{err['message']}  ")
        lines.append(f"  Règle : {err['regle']}. Comment corriger : {err['correction']}")
    if result.errors_total > len(result.errors):
        lines.append(f"- … et {result.errors_total - len(result.errors)} autre(s) erreur(s) du même genre.")
    if result.notes:
        lines += ["", "## Remarques", ""] + [f"- {n}" for n in result.notes]
    return "\n".join(lines) + "\n"


# ------------------------------------------------------------------------------------------ API


def ingest_file(path: Path | str, partner: str, kind: str | None, settings: Settings, *,
                move: bool = False, inbox: Path | None = None, demonstration: bool = False) -> IngestResult:
    """Ingest one partner file (see module doc). Never raises for a bad file: the result says `refused`.

    `move`: take the file away from where it is (the inbox) once handled. `inbox`: the file must lie inside
    this folder (symlinks resolved). `demonstration`: rows are flagged `est_demonstration` (example files).
    """
    path = Path(path)
    result = IngestResult("refused", str(path), (partner or "").strip().upper(), kind)
    with _lock(settings):
        _upgrade_receptions(settings)
        staged = settings.var_dir / "tmp" / f"partenaires-{uuid.uuid4().hex}.parquet"
        staged.parent.mkdir(parents=True, exist_ok=True)
        try:
            _ingest(_Intake(path, safe_name(path.name), settings, result, _now(), staged, move, inbox,
                            demonstration))
        finally:
            staged.unlink(missing_ok=True)
    return result


def _check_request(job: _Intake) -> Partner:
    """The file lies in the inbox, its kind (if given) exists, its partner is registered; returns the partner."""
    path, result = job.path, job.result
    if job.inbox is not None:
        root = job.inbox.resolve()
        if path.is_symlink() or not path.resolve().is_relative_to(root) or ".." in path.parts:
            raise Unreadable(f"le fichier « {path} » sort de la boîte de dépôt (lien symbolique ou chemin "
                             "relatif)", "chemin interdit", "Déposez le fichier lui-même dans le dossier "
                             "du partenaire, sans lien ni chemin relatif.")
    if result.kind is not None and result.kind not in CONTRACTS:
        raise Unreadable(f"type de fichier « {result.kind} » inconnu", "type de fichier inconnu",
                         "Types admis : " + ", ".join(CONTRACTS) + ".")
    try:
        partner = resolve_partner(result.partner, job.settings)
    except UnknownPartner as exc:
        raise Unreadable(str(exc), "partenaire inconnu", "Utilisez le code de partenaire attribué par "
                         "l'observatoire.") from exc
    result.partner = partner.code
    if not path.is_file():
        raise Unreadable(f"« {path.name} » n'est pas un fichier", "fichier introuvable",
                         "Déposez un fichier .csv ou .xlsx.")
    return partner


def _same_file_accepted(job: _Intake, contract: Contract) -> bool:
    """True (the result says `duplicate`, the inbox copy is removed) when these bytes were already accepted."""
    previous = [r for r in receptions(job.settings) if r.get("sha256") == job.result.sha256
                and r["status"] == "accepted" and r["partner"] == job.result.partner and r["kind"] == contract.kind]
    if not previous:
        return False
    job.result.status = "duplicate"
    job.result.rows, job.result.periods = previous[0]["rows"], previous[0]["periods"]
    job.result.version = previous[0].get("version")
    job.result.archive_path = job.settings.raw_dir / previous[0]["file"]
    if job.move:
        job.path.unlink()
    return True


def _examine(job: _Intake) -> Contract | None:
    """Read and validate the file; the contract it follows, or None (refused before validation, or duplicate)."""
    partner = _check_request(job)
    info = scan(job.path)
    job.result.sha256 = info.sha256
    job.fmt = detect_format(info, job.path)
    known = known_spellings(CONTRACTS.values())
    header = csv_header(info, known) if job.fmt == "csv" else xlsx_header(job.path, known)
    contract = _choose_contract(header, job.result.kind, job.problems)
    if contract is None:
        return None
    job.result.kind = contract.kind
    if partner.kinds is not None and contract.kind not in partner.kinds:
        job.problems.add(None, None, None, "type non admis pour ce partenaire",
                         f"le partenaire {partner.code} ne peut pas envoyer de fichier {contract.kind}",
                         "Types admis pour ce partenaire : " + ", ".join(partner.kinds) + ".")
        return contract
    if _same_file_accepted(job, contract):
        return None
    if header.merged_note:
        job.notes.setdefault("lecture", set()).add("cellules fusionnées de l'en-tête lues")
    job.result.rows = _validate(job, header, contract)
    return contract


def _ingest(job: _Intake) -> None:
    try:
        contract = _examine(job)
    except Unreadable as exc:
        contract = None
        job.problems.add(exc.ligne, None, None, exc.rule, str(exc), exc.fix)
    if job.result.status == "duplicate":
        return
    job.result.notes = sorted(f"code de commune fusionnée rattaché à la commune actuelle : {n}"
                              for n in job.notes.get("fusions", ())) + sorted(job.notes.get("lecture", ()))
    if job.problems:
        _refuse(job)
    else:
        _accept(job, contract)


def _refuse(job: _Intake) -> None:
    """Quarantine the file with its reports; the receptions log says why."""
    result, problems = job.result, job.problems
    result.errors = [p.as_dict() for p in problems.items]
    result.errors_total = problems.total
    result.report_path = _quarantine(job.path, job.settings, result, job.name, job.move, job.received_at)
    _record(job.settings, {
        "partner": result.partner, "kind": result.kind, "sha256": result.sha256, "received_at": job.received_at,
        "original_name": job.name, "rows": result.rows, "periods": [], "status": "refused",
        "errors_total": problems.total, "reasons": sorted({p.regle for p in problems.items}),
        "report": str(result.report_path), "demonstration": job.demonstration,
    })


def _accept(job: _Intake, contract: Contract) -> None:
    """Archive the file, merge its rows into the landing table as a new version, log the reception."""
    result, settings = job.result, job.settings
    with _duckdb(job.staged.parent / "duckdb") as con:
        column = contract.period_column
        result.periods = [r[0] for r in con.execute(
            f"select distinct cast({column} as varchar) from read_parquet(?) order by 1", [str(job.staged)]
        ).fetchall()] if column else ["convention"]
    versions = [r.get("version") or 0 for r in receptions(settings)
                if r["status"] == "accepted" and r["partner"] == result.partner and r["kind"] == contract.kind]
    result.version = max(versions, default=0) + 1
    result.archive_path = _archive(job.path, settings, result.partner, contract.kind, result.sha256, job.name)
    _merge_landing(settings, contract, job.staged, result.partner, result.periods, {
        "partenaire": result.partner, "fichier": job.name, "_sha256": result.sha256,
        "recu_le": datetime.fromisoformat(job.received_at), "version": result.version,
        "est_demonstration": job.demonstration,
    })
    result.status = "accepted"
    _record(settings, {
        "partner": result.partner, "kind": contract.kind, "sha256": result.sha256, "received_at": job.received_at,
        "original_name": job.name, "rows": result.rows, "periods": result.periods, "status": "accepted",
        "file": str(result.archive_path.relative_to(settings.raw_dir)), "version": result.version,
        "notes": result.notes, "report": None, "demonstration": job.demonstration, "format": job.fmt,
    })
    if job.move:
        job.path.unlink()


def inbox_entries(settings: Settings) -> list[tuple[Path, str]]:
    """The inbox walked once: every file waiting in it, oldest first, with the partner code of its folder
    (`inbox/<partner>/<file>`; `_inconnu` for a file or link misplaced at the root). Hidden entries and
    sub-folders are skipped; a link is listed (ingest refuses it)."""
    root = settings.inbox_dir
    if not root.is_dir():
        return []
    entries = []
    for folder in sorted(p for p in root.iterdir() if not p.name.startswith(".")):
        if folder.is_symlink() or not folder.is_dir():
            entries.append((folder, "_inconnu"))
            continue
        entries += [(item, folder.name) for item in sorted(folder.iterdir())
                    if not item.name.startswith(".") and (item.is_symlink() or not item.is_dir())]
    return sorted(entries, key=lambda e: (e[0].lstat().st_mtime, str(e[0])))


def ingest_inbox(settings: Settings) -> list[IngestResult]:
    """Every file of the inbox (`inbox/<partner>/<file>`), oldest first; handled files leave the inbox."""
    with _lock(settings):
        _upgrade_receptions(settings)
    return [ingest_file(item, partner, None, settings, move=True, inbox=settings.inbox_dir)
            for item, partner in inbox_entries(settings)]


def landing_frame(settings: Settings, kind: str) -> pd.DataFrame:
    """The landing table of `kind` (empty frame when nothing was accepted yet)."""
    path = _landing_path(settings, kind)
    return pd.read_parquet(path) if path.exists() else pd.DataFrame()
