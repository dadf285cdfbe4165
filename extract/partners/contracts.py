"""The contracts of partners' files, declared once as data.

Each kind of file is a `Contract`: its columns (name, French label, type, required, allowed values, unit,
help text), its key (no duplicates), the column that carries the period a new version replaces, and the
columns whose dates must fall inside the convention. Validation (`validate.py`), templates (`templates.py`)
and the partners' documentation (`docs.py` → docs/partenaires.md) all read these objects, so they cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass, field

# Column types understood by the validator.
TEXT = "texte"
INTEGER = "entier"
NUMBER = "nombre"  # decimal; French decimal comma accepted
DATE = "date"  # AAAA-MM-JJ or JJ/MM/AAAA
PERIOD = "periode"  # AAAA or AAAA-MM
TERRITORY_LEVEL = "niveau_territoire"
TERRITORY_CODE = "code_territoire"  # checked against the level given in the same row
ENUM = "liste"
CONTACT = "contact"  # an organisation's e-mail, telephone or web address

TYPE_LABELS = {
    TEXT: "texte",
    INTEGER: "nombre entier",
    NUMBER: "nombre (virgule décimale acceptée)",
    DATE: "date (AAAA-MM-JJ ou JJ/MM/AAAA)",
    PERIOD: "période : année (AAAA) ou mois (AAAA-MM)",
    TERRITORY_LEVEL: "niveau de territoire",
    TERRITORY_CODE: "code de territoire (texte)",
    ENUM: "valeur de la liste",
    CONTACT: "contact de la structure (courriel, téléphone ou site)",
}

NIVEAUX_INDICATEUR = ("commune", "epci", "departement")
NIVEAUX_OFFRE = ("commune", "epci", "territoire_action", "departement")
UNITES = ("nombre", "%", "‰", "€", "ratio", "jours", "années")
# Units whose values are counts or amounts: a negative value is refused.
UNITES_POSITIVES = ("nombre", "€", "jours", "années")

# Column names a partner file must never carry: aggregates only, no data about persons.
PERSONAL_COLUMNS = (
    "nom", "prenom", "nom_prenom", "nom_de_naissance", "nom_usage", "date_de_naissance", "date_naissance",
    "naissance", "age_individu", "nir", "numero_securite_sociale", "num_secu", "securite_sociale",
    "numero_allocataire", "matricule", "adresse_personnelle", "adresse_domicile", "telephone_personnel",
    "portable", "mail_personnel", "email_personnel", "courriel_personnel", "sexe_individu",
)


@dataclass(frozen=True)
class Column:
    name: str
    label: str
    type: str
    required: bool
    help: str
    allowed: tuple[str, ...] = ()
    unit: str = ""
    aliases: tuple[str, ...] = ()  # other header spellings accepted (compared without case and accents)
    value_aliases: dict[str, str] = field(default_factory=dict)  # other spellings of allowed values
    min_value: float | None = None
    in_convention: bool = False  # dates/periods must fall inside the convention
    example: str = ""


@dataclass(frozen=True)
class Contract:
    kind: str
    label: str
    description: str
    columns: tuple[Column, ...]
    key: tuple[str, ...]  # no two rows share these values
    period_column: str | None  # a new version replaces these periods; None: the whole file replaces
    partners_hint: str

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    @property
    def required(self) -> list[str]:
        return [c.name for c in self.columns if c.required]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _territory(levels: tuple[str, ...], what: str) -> tuple[Column, Column]:
    level_help = {
        "commune": "commune (code INSEE à 5 caractères, ex. 32013 pour Auch)",
        "epci": "epci (numéro SIREN à 9 chiffres de l'intercommunalité, ex. 200066926)",
        "territoire_action": "territoire_action (code du territoire d'action du Département, ex. 32-01)",
        "departement": "departement (code du département, ex. 32)",
    }
    return (
        Column(
            "niveau_territoire", "Niveau de territoire", TERRITORY_LEVEL, True,
            f"Échelle {what} : " + " ; ".join(level_help[lv] for lv in levels) + ".",
            allowed=levels, aliases=("niveau", "echelle", "territoire_niveau", "type_territoire"),
            value_aliases={"com": "commune", "intercommunalite": "epci", "interco": "epci",
                           "dep": "departement", "departement": "departement",
                           "territoire": "territoire_action", "territoire_d_action": "territoire_action"},
            example="commune",
        ),
        Column(
            "code_territoire", "Code du territoire", TERRITORY_CODE, True,
            "Code officiel, saisi comme du texte pour garder le zéro initial : code commune INSEE, SIREN de "
            "l'EPCI, code du territoire d'action ou du département, selon le niveau. Un code de commune "
            "fusionnée depuis est rattaché à la commune nouvelle (c'est signalé dans le compte rendu).",
            aliases=("code", "territoire_code", "code_commune", "code_insee", "code_geo", "codgeo"),
            example="32013",
        ),
    )


_NIVEAU, _CODE = _territory(NIVEAUX_INDICATEUR, "de la valeur")

_PERIODE = Column(
    "periode", "Période", PERIOD, True,
    "Année (AAAA) ou mois (AAAA-MM) que décrit la valeur ; elle doit être comprise dans la période de la "
    "convention.", aliases=("annee", "mois", "periode_de_reference", "date_reference"), in_convention=True,
    example="2024",
)

_INDICATEUR_COLUMNS = (
    _NIVEAU,
    _CODE,
    Column("code_indicateur", "Code de l'indicateur", TEXT, True,
           "Code court et stable de l'indicateur, en minuscules sans espace (ex. foyers_rsa). Le même code "
           "doit désigner la même mesure d'un envoi à l'autre.", aliases=("indicateur", "code_mesure"),
           example="foyers_rsa"),
    Column("libelle_indicateur", "Libellé de l'indicateur", TEXT, True,
           "Intitulé en clair, tel qu'il apparaîtra dans les tableaux de bord.",
           aliases=("libelle", "intitule", "intitule_indicateur"), example="Foyers allocataires du RSA"),
    _PERIODE,
    Column("valeur", "Valeur", NUMBER, True,
           "Valeur de l'indicateur. Virgule décimale acceptée (12,5) ; séparateur de milliers espace accepté. "
           "Une valeur négative est refusée quand l'unité est un comptage ou un montant.",
           example="1250"),
    Column("unite", "Unité", ENUM, True,
           "Unité de la valeur : nombre (comptage), %, ‰, €, ratio, jours ou années.", allowed=UNITES,
           value_aliases={"nb": "nombre", "effectif": "nombre", "pourcentage": "%", "pct": "%",
                          "pour_cent": "%", "pour_mille": "‰", "euros": "€", "euro": "€", "eur": "€",
                          "jour": "jours", "an": "années", "ans": "années", "annee": "années"},
           example="nombre"),
    Column("numerateur", "Numérateur", NUMBER, False,
           "Facultatif : numérateur d'un taux (nombre positif), pour que l'entrepôt recalcule les taux aux "
           "échelles supérieures par somme des numérateurs et dénominateurs.", min_value=0, example=""),
    Column("denominateur", "Dénominateur", NUMBER, False,
           "Facultatif : dénominateur d'un taux (nombre positif).", min_value=0, example=""),
    Column("commentaire", "Commentaire", TEXT, False, "Facultatif : précision utile (source, champ).",
           aliases=("commentaires", "remarque", "observations"), example=""),
)

_CCAS = Column(
    "ccas", "Nom du CCAS ou du CIAS", TEXT, True,
    "Nom du centre communal ou intercommunal d'action sociale qui a réalisé l'analyse des besoins sociaux.",
    aliases=("nom_ccas", "cias", "nom_du_ccas", "ccas_cias", "structure"), example="CCAS d'Auch",
)

CONTRACTS: dict[str, Contract] = {}


def _register(contract: Contract) -> None:
    CONTRACTS[contract.kind] = contract


_register(Contract(
    kind="indicateurs_partenaire",
    label="Indicateurs d'un partenaire",
    description="Indicateurs agrégés produits par un partenaire (CAF, MSA, CPAM, Département…) par commune, "
                "EPCI ou département, par année ou par mois.",
    columns=_INDICATEUR_COLUMNS,
    key=("niveau_territoire", "code_territoire", "code_indicateur", "periode"),
    period_column="periode",
    partners_hint="CAF, MSA, CPAM, Département, UDCCAS",
))

_register(Contract(
    kind="indicateurs_abs",
    label="Indicateurs d'une analyse des besoins sociaux (ABS)",
    description="Indicateurs de l'analyse des besoins sociaux d'un CCAS ou d'un CIAS : mêmes colonnes que les "
                "indicateurs d'un partenaire, plus le nom du CCAS/CIAS.",
    columns=(_CCAS, *_INDICATEUR_COLUMNS),
    key=("niveau_territoire", "code_territoire", "code_indicateur", "periode"),
    period_column="periode",
    partners_hint="CCAS-<code commune>, CIAS-<SIREN de l'EPCI>, UDCCAS",
))

_FORUM_NIVEAU, _FORUM_CODE = _territory(NIVEAUX_OFFRE, "du forum")
_register(Contract(
    kind="priorites_forum",
    label="Priorités d'un forum thématique local",
    description="Priorités dégagées par un forum thématique local, par territoire et par thème, avec leur "
                "rang et le type d'expertise qui les a portées.",
    columns=(
        _FORUM_NIVEAU,
        _FORUM_CODE,
        Column("theme", "Thème", TEXT, True, "Thème du forum (ex. Petite enfance, Autonomie, Logement).",
               aliases=("thematique",), example="Autonomie"),
        Column("priorite", "Priorité", TEXT, True, "La priorité, en une phrase.",
               aliases=("priorite_exprimee", "libelle_priorite"),
               example="Faciliter l'accès aux aides au répit pour les aidants"),
        Column("rang", "Rang", INTEGER, True,
               "Rang de la priorité dans le thème et le territoire : 1 pour la plus importante.",
               min_value=1, aliases=("ordre", "classement"), example="1"),
        Column("type_expertise", "Type d'expertise", ENUM, True,
               "Qui a porté la priorité : technique (professionnels), politique (élus) ou d'usage "
               "(habitants, usagers, aidants, bénévoles).", allowed=("technique", "politique", "d'usage"),
               aliases=("expertise",),
               value_aliases={"usage": "d'usage", "d_usage": "d'usage", "usagers": "d'usage",
                              "professionnelle": "technique", "elus": "politique"},
               example="d'usage"),
        Column("date_forum", "Date du forum", DATE, True, "Date à laquelle le forum s'est tenu.",
               aliases=("date", "date_du_forum"), in_convention=True, example="2024-05-16"),
        Column("commentaire", "Commentaire", TEXT, False, "Facultatif.",
               aliases=("commentaires", "remarque"), example=""),
    ),
    key=("niveau_territoire", "code_territoire", "theme", "rang", "date_forum"),
    period_column="date_forum",
    partners_hint="FORUM, Département, CAF",
))

_register(Contract(
    kind="actions_ctg",
    label="Suivi du plan d'action de la CTG",
    description="État d'avancement des actions de la convention territoriale globale. Chaque envoi remplace "
                "le précédent du même partenaire (l'historique reste archivé).",
    columns=(
        Column("axe", "Axe", TEXT, True, "Axe de la convention (ex. Axe 1 — Petite enfance).",
               aliases=("axe_strategique",), example="Axe 1 - Petite enfance et parentalité"),
        Column("code_action", "Code de l'action", TEXT, True, "Code unique de l'action dans le plan (ex. A1.2).",
               aliases=("code", "numero_action", "n_action"), example="A1.1"),
        Column("intitule", "Intitulé de l'action", TEXT, True, "Intitulé de l'action.",
               aliases=("action", "libelle", "intitule_action"),
               example="Créer un relais petite enfance itinérant"),
        Column("pilote", "Pilote", TEXT, True, "Institution qui pilote l'action (pas de nom de personne).",
               aliases=("pilote_action", "porteur"), example="CAF du Gers"),
        Column("partenaires", "Partenaires associés", TEXT, False,
               "Institutions associées, séparées par des virgules.", aliases=("partenaires_associes",),
               example="Département, MSA"),
        Column("statut", "Statut", ENUM, True, "Avancement : à venir, en cours, réalisée ou abandonnée.",
               allowed=("à venir", "en cours", "réalisée", "abandonnée"),
               value_aliases={"a_venir": "à venir", "prevue": "à venir", "non_commencee": "à venir",
                              "en_cours": "en cours", "realisee": "réalisée", "terminee": "réalisée",
                              "realise": "réalisée", "abandonnee": "abandonnée", "abandonne": "abandonnée"},
               example="en cours"),
        Column("date_debut", "Date de début", DATE, False, "Date de début prévue ou effective.",
               in_convention=True, example="2024-01-15"),
        Column("date_echeance", "Date d'échéance", DATE, True,
               "Date à laquelle l'action doit être réalisée ; au plus tard la fin de la convention.",
               in_convention=True, aliases=("echeance", "date_fin"), example="2025-12-31"),
        Column("budget", "Budget", NUMBER, False, "Budget prévu, en euros (nombre positif).", unit="€",
               min_value=0, aliases=("budget_euros", "budget_previsionnel"), example="45000"),
        Column("indicateur_lie", "Indicateur lié", TEXT, False,
               "Code de l'indicateur qui mesure l'effet de l'action (ex. places_eaje_pour_100).",
               aliases=("indicateur", "code_indicateur"), example="places_accueil_jeune_enfant"),
        Column("valeur_reference", "Valeur de référence", NUMBER, False,
               "Valeur de l'indicateur avant la convention (situation de départ).",
               aliases=("valeur_de_reference", "reference"), example="412"),
        Column("cible", "Cible", NUMBER, False, "Valeur visée à l'échéance.", aliases=("valeur_cible",),
               example="460"),
        Column("derniere_valeur", "Dernière valeur", NUMBER, False, "Dernière valeur mesurée de l'indicateur.",
               aliases=("valeur_actuelle", "derniere_valeur_mesuree"), example="431"),
        Column("date_derniere_valeur", "Date de la dernière valeur", DATE, False,
               "Date de la dernière mesure.", in_convention=True, aliases=("date_valeur",),
               example="2025-06-30"),
        Column("commentaire", "Commentaire", TEXT, False, "Facultatif.", aliases=("commentaires",),
               example=""),
    ),
    key=("code_action",),
    period_column=None,
    partners_hint="Département, CAF (copilotes de la CTG), MSA, CPAM, UDCCAS",
))

_OFFRE_NIVEAU, _OFFRE_CODE = _territory(NIVEAUX_OFFRE, "du territoire desservi")
_register(Contract(
    kind="referentiel_offre",
    label="Référentiel de l'offre (« qui fait quoi »)",
    description="Une ligne par action proposée par une institution, rattachée à une mission, avec le public "
                "et le territoire desservis. Aucune donnée sur des personnes : seul un contact de structure "
                "est admis.",
    columns=(
        Column("politique", "Politique", TEXT, False, "Politique publique (ex. Autonomie, Enfance-famille).",
               example="Autonomie"),
        Column("mission", "Mission", TEXT, True, "Mission à laquelle l'action contribue.",
               example="Soutenir les aidants"),
        Column("action", "Action", TEXT, True, "L'action ou le dispositif proposé.",
               aliases=("dispositif",), example="Plateforme de répit"),
        Column("institution", "Institution", TEXT, True, "Institution ou structure qui porte l'action.",
               aliases=("structure", "porteur"), example="Département du Gers"),
        Column("public", "Public", TEXT, True, "Public visé (ex. aidants de personnes âgées).",
               aliases=("public_vise", "publics"), example="Aidants de personnes âgées"),
        _OFFRE_NIVEAU,
        _OFFRE_CODE,
        Column("capacite", "Capacité", NUMBER, False, "Places, heures ou personnes accueillies par an "
               "(nombre positif).", min_value=0, example="40"),
        Column("contact_structure", "Contact de la structure", CONTACT, False,
               "Courriel générique, téléphone ou site de la structure (jamais les coordonnées personnelles "
               "d'un agent ou d'un usager).", aliases=("contact",), example="accueil@exemple-structure.fr"),
        Column("commentaire", "Commentaire", TEXT, False, "Facultatif.", aliases=("commentaires",),
               example=""),
    ),
    key=("action", "institution", "niveau_territoire", "code_territoire"),
    period_column=None,
    partners_hint="toutes les institutions du référentiel",
))
