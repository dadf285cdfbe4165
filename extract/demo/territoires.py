"""Build the EXAMPLE territoires d'action files data/territoires/territoires_action_<dep>.csv.

The real file comes from the département (its own choice of territories). These examples group whole EPCI
(DGCL 2025 composition, member communes inside the département) into `N` territories: EPCI are attached to the
arrondissement holding most of their communes, each arrondissement receives a number of territories in
proportion to its population (at least one, at most its number of EPCI), and within an arrondissement the EPCI,
ordered by canton code (cantons are contiguous blocks), are cut into consecutive chunks of similar population.
Each territory is named after its most populous commune. Deterministic; run:

    .venvs/pipeline/bin/python -m extract.demo.territoires
"""

from __future__ import annotations

import gzip
from itertools import combinations

import pandas as pd

from core.settings import REPO_ROOT
from extract.sources import epci_composition, insee_populations_legales

SNAPSHOT = REPO_ROOT / "data" / "snapshot"
OUT = REPO_ROOT / "data" / "territoires"
TERRITOIRES = {"32": 6, "64": 7}


def _inputs(dep: str) -> pd.DataFrame:
    with gzip.open(SNAPSHOT / "insee_cog_communes" / "v_commune_2025.csv.gz") as handle:
        cog = pd.read_csv(handle, dtype=str)
    com = cog.loc[(cog["TYPECOM"] == "COM") & (cog["DEP"] == dep), ["COM", "ARR", "CAN", "LIBELLE"]]
    epci = epci_composition.parse([SNAPSHOT / "epci_composition" / epci_composition.SNAPSHOT], None)
    pl = insee_populations_legales.parse(
        [SNAPSHOT / "insee_populations_legales" / insee_populations_legales.SNAPSHOT], None)
    com = com.merge(epci[["code_commune", "siren_epci"]], left_on="COM", right_on="code_commune", how="left")
    com = com.merge(pl[["code_commune", "population_municipale"]], on="code_commune", how="left")
    if com["siren_epci"].isna().any():
        raise ValueError(f"communes sans EPCI : {list(com.loc[com['siren_epci'].isna(), 'COM'])}")
    return com.rename(columns={"population_municipale": "pop"}).astype({"pop": "int64"})


def _allocate(pops: pd.Series, counts: pd.Series, total: int) -> pd.Series:
    """Territories per arrondissement: proportional to population, ≥ 1, ≤ its EPCI count, summing to total."""
    k = pd.Series(1, index=pops.index)
    while k.sum() < total:
        room = (k < counts)
        if not room.any():
            raise ValueError("pas assez d'EPCI pour autant de territoires")
        k[(pops / k)[room].idxmax()] += 1
    return k


def _best_cuts(pops: list[int], k: int) -> list[int]:
    """Chunk number of each item: k consecutive chunks whose largest population is as small as possible."""
    best = min(combinations(range(1, len(pops)), k - 1),
               key=lambda cut: max(sum(pops[a:b]) for a, b in zip((0, *cut), (*cut, len(pops)), strict=True)))
    return [sum(i >= c for c in best) for i in range(len(pops))]


def build(dep: str, n: int) -> pd.DataFrame:
    com = _inputs(dep)
    epci = com.groupby("siren_epci").agg(pop=("pop", "sum"), arr=("ARR", lambda s: s.mode().iloc[0]),
                                         can=("CAN", lambda s: sorted(s)[len(s) // 2]))
    arr_pop = epci.groupby("arr")["pop"].sum()
    k = _allocate(arr_pop, epci.groupby("arr").size(), n)
    groups: dict[str, int] = {}
    number = 0
    for arr in sorted(arr_pop.index):
        part = epci[epci["arr"] == arr].sort_values(["can", "pop"])
        cuts = _best_cuts(part["pop"].tolist(), int(k[arr]))
        for siren, chunk in zip(part.index, cuts, strict=True):
            groups[siren] = number + int(chunk)
        number += int(k[arr])
    com["groupe"] = com["siren_epci"].map(groups)
    rows = []
    for i, (_, members) in enumerate(com.groupby("groupe", sort=True), start=1):
        town = members.sort_values("pop", ascending=False)["LIBELLE"].iloc[0]
        elided = town[0].upper() in "AEIOUYHÉÈ" and not town.startswith(("L'", "Le ", "La ", "Les "))
        article = "d'" if elided else "de "
        for code in sorted(members["COM"]):
            rows.append((code, f"{dep}-{i:02d}", f"Territoire {article}{town}"))
    return pd.DataFrame(rows, columns=["code_commune", "code_territoire", "libelle_territoire"])


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    for dep, n in TERRITOIRES.items():
        frame = build(dep, n)
        frame.to_csv(OUT / f"territoires_action_{dep}.csv", sep=";", index=False, lineterminator="\n")
        summary = frame.groupby(["code_territoire", "libelle_territoire"]).size()
        print(f"{dep}: {len(frame)} communes\n{summary.to_string()}")
