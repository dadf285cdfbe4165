"""Generate the DEMONSTRATION commune datasets — DONNÉES DE DÉMONSTRATION, ne pas diffuser comme statistique.

No open copy of the commune-level census (RP) or CAF files was available (data/PROVENANCE §8), so the
offline snapshot carries plausible, deterministic (seed 2025) stand-ins in the landing long form, for every
commune of the COG 2025 (TYPECOM COM) that has a 2023 legal population (Mayotte's 17 communes have none and
are left out; Paris, Lyon, Marseille take the sum of their arrondissements). Run:

    .venvs/pipeline/bin/python -m extract.demo.generate

Rules (each anchored on real data where real data exists):
- pop_totale (RP, annee 2023) = the commune's real population municipale (populations légales 2023), so
  département sums equal the real legal sums exactly.
- Age groups: the département's real structure (INSEE estimates, latest year, 'ensemble') split into 8
  disjoint components: 0–2 = 3/5 of 0–4; 3–17 = 2/5 of 0–4 + 5–9 + 10–14 + 3/5 of 15–19; 18–19 = 2/5 of
  15–19; 20–24; 25–59; 60–74; 75–79; 80+. Each commune gets the département shares times a log-normal factor
  (σ 0.25, older in small communes), normalised to its population, then raked (iterative proportional
  fitting, 50 rounds, last step on the département margins) so that each département's sum of each component
  equals its real share × its legal population. Measures: pop_0_2 = 0–2; pop_0_17 = 0–2 + 3–17;
  pop_18_24 = 18–19 + 20–24; pop_20_59 = 20–24 + 25–59; pop_60_plus = 60–74 + 75–79 + 80+;
  pop_75_plus = 75–79 + 80+; pop_80_plus = 80+.
- pop_80_plus_seules = pop_80_plus × U(0.32, 0.50). menages = pop_totale / household size, size
  = 1.75 + 1.6 × share of 0–17 + N(0, 0.08), clipped to [1.6, 3.0]. familles = menages × U(0.55, 0.68);
  familles_monoparentales = familles × U(0.09, 0.17); familles_nombreuses = familles × U(0.05, 0.10).
  RP counts are weighted estimates: kept as doubles rounded to 0.01.
- Filosofi: no longer generated — the snapshot holds INSEE's real Filosofi 2019 and 2021 commune files
  (extract/sources/insee_filosofi_communes.py). Its random draws below are kept so that the RP and CAF files
  stay byte-identical.
- CAF (annee 2024, December): foyers_allocataires = pop_totale × U(0.16, 0.24); personnes_couvertes =
  foyers × U(2.0, 2.5); foyers_rsa / aah / aides_logement / prime_activite = foyers × U(0.06, 0.12) /
  U(0.05, 0.09) / U(0.25, 0.40) / U(0.15, 0.25). Every CAF count rounded to a multiple of 5, null (blurred)
  under 5.
"""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import numpy as np
import pandas as pd

from core.settings import REPO_ROOT
from extract.sources import (
    _long,
    insee_cog_communes,
    insee_estimations_population_departement,
    insee_populations_legales,
)

SEED = 2025
SNAPSHOT = REPO_ROOT / "data" / "snapshot"
ANNEE_RP, ANNEE_CAF = 2023, 2024
COMPONENTS = ["0_2", "3_17", "18_19", "20_24", "25_59", "60_74", "75_79", "80p"]


def load_inputs() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Communes (code, département, population municipale) and département component shares."""
    cog = insee_cog_communes.parse([SNAPSHOT / "insee_cog_communes" / insee_cog_communes.SNAPSHOT], None)
    pl = insee_populations_legales.parse(
        [SNAPSHOT / "insee_populations_legales" / insee_populations_legales.SNAPSHOT], None)
    parent = cog.set_index("code_commune")["code_commune_parent"]
    arm = cog.loc[cog["typecom"] == "ARM", "code_commune"]
    pop = pl.set_index("code_commune")["population_municipale"].astype("int64")
    pop = pop.rename(index=lambda c: parent[c] if c in set(arm) else c).groupby(level=0).sum()
    com = cog.loc[cog["typecom"] == "COM", ["code_commune", "code_departement"]]
    com = com.assign(pop=com["code_commune"].map(pop)).dropna(subset=["pop"])
    com["pop"] = com["pop"].astype("int64")

    est_mod = insee_estimations_population_departement
    est = est_mod.parse([SNAPSHOT / "insee_estimations_population_departement" / est_mod.SNAPSHOT], None)
    est = est[(est["sexe"] == "ensemble") & (est["annee"] == est["annee"].max())]
    band = est.pivot_table(index="code_departement", columns="age_min", values="population", aggfunc="sum")
    band = band.astype("float64")
    b = band.div(band.sum(axis=1), axis=0)
    shares = pd.DataFrame({
        "0_2": 0.6 * b[0],
        "3_17": 0.4 * b[0] + b[5] + b[10] + 0.6 * b[15],
        "18_19": 0.4 * b[15],
        "20_24": b[20],
        "25_59": b[[25, 30, 35, 40, 45, 50, 55]].sum(axis=1),
        "60_74": b[[60, 65, 70]].sum(axis=1),
        "75_79": b[75],
        "80p": b[[80, 85, 90, 95]].sum(axis=1),
    })
    return com.reset_index(drop=True), shares


def rake_ages(com: pd.DataFrame, shares: pd.DataFrame, rng: np.random.Generator) -> np.ndarray:
    dep_codes, dep_idx = np.unique(com["code_departement"].to_numpy(), return_inverse=True)
    base = shares.loc[dep_codes, COMPONENTS].to_numpy()
    pop = com["pop"].to_numpy(dtype=float)
    # Small communes are older: tilt young components down and old ones up as population falls.
    tilt = np.clip(np.log10(np.maximum(pop, 1)) - 3.0, -2, 2)[:, None] * np.array([1, 1, 1, 1, 0.3, -1, -1, -1]) * 0.08
    x = base[dep_idx] * np.exp(rng.normal(0, 0.25, size=(len(pop), len(COMPONENTS))) + tilt)
    targets = base * np.bincount(dep_idx, weights=pop)[:, None]
    for _ in range(50):
        x *= (pop / np.maximum(x.sum(axis=1), 1e-12))[:, None]
        sums = np.zeros_like(targets)
        np.add.at(sums, dep_idx, x)
        x *= (targets / np.maximum(sums, 1e-12))[dep_idx]
    return x


def generate() -> dict[str, pd.DataFrame]:
    rng = np.random.default_rng(SEED)
    com, shares = load_inputs()
    n, pop = len(com), com["pop"].to_numpy(dtype=float)
    c = dict(zip(COMPONENTS, rake_ages(com, shares, rng).T, strict=True))
    u = lambda lo, hi: rng.uniform(lo, hi, n)  # noqa: E731
    rp = {
        "pop_totale": pop,
        "pop_0_2": c["0_2"],
        "pop_0_17": c["0_2"] + c["3_17"],
        "pop_18_24": c["18_19"] + c["20_24"],
        "pop_20_59": c["20_24"] + c["25_59"],
        "pop_60_plus": c["60_74"] + c["75_79"] + c["80p"],
        "pop_75_plus": c["75_79"] + c["80p"],
        "pop_80_plus": c["80p"],
    }
    rp["pop_80_plus_seules"] = rp["pop_80_plus"] * u(0.32, 0.50)
    share_young = np.divide(rp["pop_0_17"], pop, out=np.zeros(n), where=pop > 0)
    size = np.clip(1.75 + 1.6 * share_young + rng.normal(0, 0.08, n), 1.6, 3.0)
    rp["menages"] = pop / size
    rp["familles"] = rp["menages"] * u(0.55, 0.68)
    rp["familles_monoparentales"] = rp["familles"] * u(0.09, 0.17)
    rp["familles_nombreuses"] = rp["familles"] * u(0.05, 0.10)
    rp = {k: (v if k == "pop_totale" else np.round(v, 2)) for k, v in rp.items()}

    # Filosofi is real now (INSEE files); its three former draws are kept so the CAF draws below are unchanged
    _ = (u(0.95, 1.02), u(0.96, 1.00), rng.normal(0.145, 0.04, n))

    foyers = pop * u(0.16, 0.24)
    caf_raw = {
        "foyers_allocataires": foyers, "personnes_couvertes": foyers * u(2.0, 2.5),
        "foyers_rsa": foyers * u(0.06, 0.12), "foyers_aah": foyers * u(0.05, 0.09),
        "foyers_aides_logement": foyers * u(0.25, 0.40), "foyers_prime_activite": foyers * u(0.15, 0.25),
    }
    caf = {k: np.where(v < 5, np.nan, 5 * np.round(v / 5)) for k, v in caf_raw.items()}

    def long(measures: dict[str, np.ndarray], annee: int) -> pd.DataFrame:
        return pd.concat([pd.DataFrame({"code_commune": com["code_commune"], "annee": annee, "code_mesure": k,
                                        "valeur": v}) for k, v in measures.items()], ignore_index=True)

    return {
        "insee_rp_communes": long(rp, ANNEE_RP),
        "caf_allocataires_communes": long(caf, ANNEE_CAF),
    }


def write(frames: dict[str, pd.DataFrame], snapshot: Path = SNAPSHOT) -> list[Path]:
    paths = []
    for name, frame in frames.items():
        text = io.StringIO()
        text.write(_long.BANNER + "\n")
        frame.to_csv(text, sep=";", index=False, lineterminator="\n", float_format="%.2f")
        path = snapshot / name / f"{name}_demonstration.csv.gz"
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.GzipFile(path, "wb", mtime=0) as handle:  # mtime=0: same bytes at each run
            handle.write(text.getvalue().encode("utf-8"))
        paths.append(path)
    return paths


if __name__ == "__main__":
    for written in write(generate()):
        print(written.relative_to(REPO_ROOT), written.stat().st_size, "octets")
