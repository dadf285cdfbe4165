"""`observatoire` command: what people run by hand. Messages are in French (the users' language)."""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from core.settings import SCOPES, ConfigError, load_settings

_STARTED = time.monotonic()


def _progress(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {message}", flush=True)


def cmd_refresh(args: argparse.Namespace) -> int:
    from observatoire.refresh import refresh

    settings = load_settings(OBS_MODE=args.mode, OBS_DEPARTEMENT=args.departement or None, OBS_SCOPE=args.scope)
    try:
        result = refresh(settings, progress=_progress, force=args.force)
    except Exception as exc:
        from observatoire.notify import notify

        notify(f"Échec du rafraîchissement ({settings.mode}, département {settings.departement}, "
               f"périmètre {settings.scope})",
               f"{type(exc).__name__}: {exc}"[:4000], settings=settings)
        raise
    from observatoire.notify import notify_stale_sources

    notify_stale_sources(result["sources"])
    t = result["timings"]
    if result["unchanged"]:
        print(f"Terminé : entrepôt publié inchangé, vérifié en {t['total_s']} s.")
        return 0
    print(
        f"Terminé : extraction {t['extract_s']} s, dbt build {t['dbt_build_s']} s, "
        f"publication {t['publish_s']} s, portraits {t['portraits_s']} s, total {t['total_s']} s."
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from observatoire.fingerprint import read_verification
    from observatoire.publish import read_status

    settings = load_settings()
    status = read_status(settings.warehouse_path)
    if args.json:
        from observatoire.intake import receptions_summary
        from observatoire.portraits.archive import list_publications

        print(json.dumps({**(status or {}), "receptions_partenaires": receptions_summary(settings),
                          "portraits": list_publications(settings)}, indent=2, ensure_ascii=False))
        return 0 if status else 1
    if status is None:
        print(f"Aucun entrepôt publié à {settings.warehouse_path}. Lancez : observatoire refresh")
        _print_receptions(settings)
        _print_airflow(settings)
        return 1
    pub = status["publication"]
    print(f"Entrepôt publié : {settings.warehouse_path}")
    print(f"  publié le {pub['published_at']} UTC — département {pub['departement']}, "
          f"périmètre {pub['perimetre']}, mode {pub['mode']}, dbt {pub['dbt_version']}")
    check = read_verification(settings)
    if check and check.get("empreinte_entrees") == pub.get("empreinte_entrees"):
        print(f"  vérifié le {check['verifie_le']} : aucune entrée modifiée depuis cette publication")
    print("  Tables (schéma marts) : " + ", ".join(f"{k} ({v} lignes)" for k, v in status["tables"].items()))
    print("  Sources :")
    for src in status["sources"]:
        demo = "  [DÉMONSTRATION]" if src["est_demonstration"] else ""
        stale = (f"  [PÉRIMÉE : dernière réussite {src.get('last_success')} ; {src.get('error')}]"
                 if src.get("stale") else "")
        if src.get("stale") and src.get("last_success") is None:
            stale = f"  [INDISPONIBLE : aucune donnée reçue, indicateurs marqués indisponibles ; {src.get('error')}]"
        print(f"    - {src['source']:<42} {src['rows']:>9} lignes  sha256 {(src['sha256'] or '-')[:12]}…  "
              f"reçu {src['fetched_at']}{demo}{stale}\n      origine : {src['origin']}")
    _print_receptions(settings)
    _print_portraits(settings)
    _print_airflow(settings)
    return 0


def cmd_portrait(args: argparse.Namespace) -> int:
    """One portrait (HTML and PDF) of any territory of marts.dim_territoire, from the published warehouse."""
    from observatoire.portraits import Portraitiste

    artist = Portraitiste(load_settings().warehouse_path, args.diffusion)
    try:
        (done,) = artist.write([args.code], Path(args.out), pdf=not args.html_seulement)
    finally:
        artist.close()
    print(f"Portrait de {done['libelle']} ({args.diffusion}) : {done['html']}"
          + (f" et {done['pdf']}" if "pdf" in done else ""))
    return 0


def _print_portraits(settings) -> None:
    from observatoire.portraits.archive import list_publications

    archives = list_publications(settings)
    if not archives:
        print("  Portraits de territoire : aucun généré (ils le sont après chaque publication).")
        return
    print("  Portraits de territoire (dernières publications) :")
    for a in archives:
        latest = "  [servis : latest]" if a["est_latest"] else ""
        print(f"    - {a['publication']} : {a['nb_portraits']} territoires, "
              f"{'HTML et PDF' if a['mode'] == 'pdf' else 'HTML'}, générés le {a['genere_le']} en "
              f"{a['secondes']} s — {a['dossier']}{latest}")


def cmd_ingest(args: argparse.Namespace) -> int:
    """Same code path as the DAGs: observatoire.intake.ingest_partner_file → extract.partners.ingest_file."""
    from observatoire.intake import ingest_partner_file

    result = ingest_partner_file(args.file, args.partner, args.kind, load_settings())
    if result.ok:
        print(result.summary())
        for note in result.notes:
            print(f"  remarque : {note}")
        print("Le fichier sera visible dans l'entrepôt après le prochain rafraîchissement "
              "(observatoire refresh).")
        return 0
    print(result.summary(), file=sys.stderr)
    report = Path(result.report_path) if result.report_path else None
    if report and report.exists():
        print(report.read_text(encoding="utf-8"), file=sys.stderr)
    return 1


def cmd_template(args: argparse.Namespace) -> int:
    from extract.partners import CONTRACTS, write_template

    if args.kind not in CONTRACTS:
        print(f"Type de fichier « {args.kind} » inconnu. Types : {', '.join(CONTRACTS)}.", file=sys.stderr)
        return 2
    for path in write_template(args.kind, Path(args.out)):
        print(f"Modèle écrit : {path}")
    return 0


def _print_airflow(settings) -> None:
    """The local Airflow stack (infra/airflow/stack.sh), read through its REST API: each DAG's last and next run."""
    from observatoire.airflow_api import status_lines

    print("\n".join(status_lines(settings.airflow_home_dir)))


def _print_receptions(settings) -> None:
    from observatoire.intake import receptions_summary

    lines = receptions_summary(settings)
    if not lines:
        print("  Fichiers des partenaires : aucun reçu.")
        return
    print("  Fichiers des partenaires (dernier reçu par partenaire et type) :")
    for r in lines:
        demo = "  [DÉMONSTRATION]" if r["demonstration"] else ""
        statut = "accepté" if r["statut"] == "accepted" else "refusé"
        print(f"    - {r['partenaire']:<12} {r['type_fichier']:<24} {r['dernier_fichier']} ({statut}, "
              f"{r['lignes']} lignes, reçu {r['recu_le']}) — {r['acceptes']} accepté(s), "
              f"{r['refuses']} refusé(s){demo}")
        if r["statut"] != "accepted" and r.get("rapport"):
            print(f"      rapport : {r['rapport']}")


def _refresh_parser(sub) -> None:
    p_refresh = sub.add_parser("refresh", help="extraire les sources, construire et publier l'entrepôt")
    mode = p_refresh.add_mutually_exclusive_group()
    mode.add_argument("--offline", dest="mode", action="store_const", const="offline",
                      help="instantané embarqué (défaut)")
    mode.add_argument("--online", dest="mode", action="store_const", const="online",
                      help="API publiques (réseau requis)")
    p_refresh.set_defaults(mode=None, func=cmd_refresh)  # None: OBS_MODE, else offline
    p_refresh.add_argument("--departement", help="code du département (défaut : OBS_DEPARTEMENT ou 32)")
    p_refresh.add_argument("--force", action="store_true",
                           help="reconstruire et publier même si aucune entrée n'a changé depuis la publication")
    p_refresh.add_argument("--scope", choices=SCOPES,
                           help="périmètre : le département et les EPCI qui le touchent (défaut), ou toute la "
                                "France (défaut : OBS_SCOPE)")


def _portrait_parser(sub) -> None:
    p_portrait = sub.add_parser("portrait", help="portrait imprimable d'un territoire (HTML et PDF)")
    p_portrait.add_argument("code", help="code du territoire dans marts.dim_territoire (EPCI-200066926, "
                            "TER-32-01, COM-32013, DEP-32…)")
    p_portrait.add_argument("--out", default=".", help="dossier de sortie (défaut : dossier courant)")
    p_portrait.add_argument("--diffusion", choices=("public", "partenaires"), default="public",
                            help="public (défaut) : données ouvertes seulement ; partenaires : avec les "
                                 "indicateurs des partenaires, le plan d'actions CTG et les priorités des forums")
    p_portrait.add_argument("--html-seulement", action="store_true", help="sans le PDF")
    p_portrait.set_defaults(func=cmd_portrait)


def _partner_parsers(sub) -> None:
    """`ingest` (one partner file by hand) and `template` (a blank template of a kind of file)."""
    from extract.partners import CONTRACTS

    p_ingest = sub.add_parser("ingest", help="déposer à la main le fichier d'un partenaire "
                              "(validé ou refusé en entier)")
    p_ingest.add_argument("file", type=Path, help="fichier .csv ou .xlsx")
    p_ingest.add_argument("--partner", required=True, help="code du partenaire (CAF32, MSA, CCAS-32013…)")
    p_ingest.add_argument("--kind", choices=sorted(CONTRACTS), help="type de fichier (deviné des colonnes sinon)")
    p_ingest.set_defaults(func=cmd_ingest)

    p_template = sub.add_parser("template", help="écrire le modèle vierge d'un type de fichier (XLSX et CSV)")
    p_template.add_argument("kind", help="type de fichier : " + ", ".join(CONTRACTS))
    p_template.add_argument("--out", default=".", help="dossier de sortie (défaut : dossier courant)")
    p_template.set_defaults(func=cmd_template)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatoire", description="Observatoire partagé des solidarités")
    sub = parser.add_subparsers(dest="command", required=True)
    _refresh_parser(sub)
    p_status = sub.add_parser("status", help="ce qui est publié, quand, à partir de quelles sources")
    p_status.add_argument("--json", action="store_true", help="sortie JSON")
    p_status.set_defaults(func=cmd_status)
    _portrait_parser(sub)
    _partner_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # every known failure class carries a French, actionable message
        from core.lock import LockTimeout
        from extract.run import ExtractError
        from observatoire.dbt_build import BuildFailed
        from observatoire.portraits import PortraitError
        from observatoire.publish import PublishRefused

        if isinstance(exc, BuildFailed | PublishRefused | LockTimeout | ExtractError | PortraitError):
            print(f"Échec : {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
