"""`observatoire` command: what people run by hand. Messages are in French (the users' language)."""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

from observatoire.config import ConfigError, load_settings

_STARTED = time.monotonic()


def _progress(message: str) -> None:
    print(f"[{time.monotonic() - _STARTED:6.1f} s] {message}", flush=True)


def cmd_refresh(args: argparse.Namespace) -> int:
    from observatoire.refresh import refresh

    env = dict(os.environ)
    env["OBS_MODE"] = args.mode
    if args.departement:
        env["OBS_DEPARTEMENT"] = args.departement
    settings = load_settings(env)
    result = refresh(settings, progress=_progress)
    t = result["timings"]
    print(
        f"Terminé : extraction {t['extract_s']} s, dbt build {t['dbt_build_s']} s, "
        f"publication {t['publish_s']} s, total {t['total_s']} s."
    )
    return 0


def cmd_status(args: argparse.Namespace) -> int:
    from observatoire.publish import read_status

    settings = load_settings()
    status = read_status(settings.warehouse_path)
    if status is None:
        print(f"Aucun entrepôt publié à {settings.warehouse_path}. Lancez : observatoire refresh")
        return 1
    if args.json:
        print(json.dumps(status, indent=2, ensure_ascii=False))
        return 0
    pub = status["publication"]
    print(f"Entrepôt publié : {settings.warehouse_path}")
    print(f"  publié le {pub['published_at']} UTC — département {pub['departement']}, mode {pub['mode']}, "
          f"dbt {pub['dbt_version']}")
    print("  Tables (schéma marts) : " + ", ".join(f"{k} ({v} lignes)" for k, v in status["tables"].items()))
    print("  Sources :")
    for src in status["sources"]:
        demo = "  [DÉMONSTRATION]" if src["est_demonstration"] else ""
        print(f"    - {src['source']:<42} {src['rows']:>9} lignes  sha256 {src['sha256'][:12]}…  "
              f"reçu {src['fetched_at']}{demo}\n      origine : {src['origin']}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="observatoire", description="Observatoire partagé des solidarités")
    sub = parser.add_subparsers(dest="command", required=True)

    p_refresh = sub.add_parser("refresh", help="extraire les sources, construire et publier l'entrepôt")
    mode = p_refresh.add_mutually_exclusive_group()
    mode.add_argument("--offline", dest="mode", action="store_const", const="offline",
                      help="instantané embarqué (défaut)")
    mode.add_argument("--online", dest="mode", action="store_const", const="online",
                      help="API publiques (réseau requis)")
    p_refresh.set_defaults(mode=os.environ.get("OBS_MODE", "offline"), func=cmd_refresh)
    p_refresh.add_argument("--departement", help="code du département (défaut : OBS_DEPARTEMENT ou 32)")

    p_status = sub.add_parser("status", help="ce qui est publié, quand, à partir de quelles sources")
    p_status.add_argument("--json", action="store_true", help="sortie JSON")
    p_status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as exc:
        print(f"Erreur de configuration : {exc}", file=sys.stderr)
        return 2
    except Exception as exc:  # every known failure class carries a French, actionable message
        from observatoire.dbt_build import BuildFailed
        from observatoire.lock import LockTimeout
        from observatoire.publish import PublishRefused

        if isinstance(exc, BuildFailed | PublishRefused | LockTimeout):
            print(f"Échec : {exc}", file=sys.stderr)
            return 1
        raise


if __name__ == "__main__":
    sys.exit(main())
