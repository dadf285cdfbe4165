"""« À retenir »: short sentences generated from the declarative rules of regles_a_retenir.yml."""

from __future__ import annotations

from pathlib import Path

import yaml

from observatoire.portraits.formats import nombre, valeur

RULES_FILE = Path(__file__).with_name("regles_a_retenir.yml")


def load_rules(path: Path = RULES_FILE) -> list[dict]:
    return yaml.safe_load(path.read_text(encoding="utf-8"))["regles"]


def a_retenir(data: dict, rules: list[dict]) -> list[str]:
    notes: list[str] = []
    for rule in rules:
        notes += _RULES[rule["type"]](data, rule)
    return notes


def comparable(ind: dict, rule: dict) -> bool:
    """A gap to the département means something for a ratio of positive quantities only: not for a count (it
    differs by size), nor for a rate of change or a balance, which can be 0 or negative."""
    return not (ind.get("est_effectif") and rule.get("exclure_effectifs")) and \
        ind["unite"] not in rule.get("unites_exclues", [])


def _ecart_departement(data: dict, rule: dict) -> list[str]:
    dep = data["departement"]["libelle"]
    gaps = []
    for ind in data["indicateurs"]:
        v, ref = ind["valeur"], ind["valeur_departement"]
        if v is None or ref is None or ref <= 0 or v < 0 or not comparable(ind, rule):
            continue
        relatif = (v - ref) / ref
        if abs(relatif) >= rule["seuil_relatif"]:
            gaps.append((abs(relatif), relatif, ind))
    notes = []
    for _, relatif, ind in sorted(gaps, key=lambda g: -g[0])[: rule["nombre"]]:
        sens = "de plus" if relatif > 0 else "de moins"
        ecart = (f"{nombre(abs(ind['valeur'] - ind['valeur_departement']))} point(s)" if ind["unite"] == "%"
                 else f"{nombre(abs(relatif) * 100)} %")
        ref = valeur(ind["valeur_departement"], ind["unite"])
        notes.append(f"{ind['libelle_indicateur']} : {valeur(ind['valeur'], ind['unite'])}, soit {ecart} {sens} "
                     f"que le département ({dep} : {ref}) en {ind['annee']}{_demo(ind)}.")
    return notes


def _evolution(data: dict, rule: dict) -> list[str]:
    found = []
    for ind in data["indicateurs"]:
        champ = next((c for c in rule["champs"] if ind.get(c) is not None), None)
        if champ and comparable(ind, rule) and abs(ind[champ]) >= rule["seuil_pct"]:
            found.append((ind, champ))
    found.sort(key=lambda f: -abs(f[0][f[1]]))
    duree = {"evolution_1_an_pct": "en un an", "evolution_5_ans_pct": "en cinq ans"}
    return [f"{ind['libelle_indicateur']} : {'+' if ind[c] > 0 else '−'}{nombre(abs(ind[c]))} % "
            f"{duree.get(c, '')} (jusqu'en {ind['annee']}){_demo(ind)}." for ind, c in found[: rule["nombre"]]]


def _demo(ind: dict) -> str:
    return " — données de démonstration" if ind.get("est_demonstration") else ""


def _couverture(data: dict, rule: dict) -> list[str]:
    faibles = [c for c in data["couverture"] if c["classe_couverture"] in rule["classes"]]
    faibles.sort(key=lambda c: c["indice_couverture"])
    return [f"Couverture « {c['libelle_indicateur']} » : indice {nombre(c['indice_couverture'], 0)} "
            f"(département = 100), {c['libelle_classe_couverture'].lower()}." for c in faibles[: rule["nombre"]]]


def _proximite(data: dict, rule: dict) -> list[str]:
    champ = f"part_population_plus_{rule['au_dela_km']}_km"
    loin = [p for p in data["proximite"] or [] if (p.get(champ) or 0) >= rule["seuil_part"]]
    loin.sort(key=lambda p: -p[champ])
    return [f"{nombre(p[champ])} % des habitants vivent à plus de {rule['au_dela_km']} km (à vol d'oiseau) "
            f"du plus proche service « {p['libelle_categorie']} »." for p in loin[: rule["nombre"]]]


_RULES = {"ecart_departement": _ecart_departement, "evolution": _evolution, "couverture": _couverture,
          "proximite": _proximite}
