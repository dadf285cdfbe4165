-- Offer measures per commune, "located in" counting (the offer's commune of implantation), as additive
-- commune measures so that coverage ratios go through the catalog like every other indicator
-- (summed numerators over summed denominators at every level).
-- Coverage: a commune gets a value (0 when nothing is located there) only when its département is covered by
-- the FINESS file (at least one FINESS établissement there); elsewhere the offer is unknown, not 0, so no row.
-- A measure is emitted only if the offer holds at least one row of its actions in a covered département:
-- FINESS lists neither EAJE nor centres sociaux, so those measures stay absent until a partner sends them.
-- Year: FINESS is a live register (the stock at extraction), dated by the year of the run (date_reference).
-- data·inclusion services and BPE facilities are in the offer but not in these measures: they carry no
-- capacity (BPE EAJE rows would make 'offre_places_eaje' appear with 0 places everywhere).
with

offres as (

    select * from {{ ref('int_offre_services_unioned') }}

),

communes as (

    select * from {{ ref('int_communes_located') }}

),

definitions as (

    -- measure code, actions counted, what is summed
    select
        valeurs.code_mesure,
        valeurs.actions,
        valeurs.mode_somme
    from (
        values
        ('offre_places_hebergement_pa', ['PA-HEB-EHPAD', 'PA-HEB-RA'], 'capacite'),
        ('offre_places_ssiad', ['PA-DOM-SSIAD'], 'capacite'),
        ('offre_services_aide_domicile_pa', ['PA-DOM-SAAD', 'PA-DOM-SSIAD'], 'nombre'),
        ('offre_places_hebergement_ph_adultes', ['PH-HEB-FOY', 'PH-HEB-MED', 'PH-HEB-TEMP'], 'capacite'),
        ('offre_places_eaje', ['ENF-ACC-EAJE'], 'capacite'),
        ('offre_centres_sociaux', ['DRO-INF-CS'], 'nombre')
    ) as valeurs (code_mesure, actions, mode_somme)

),

offres_situees as (

    select
        offres.*,
        communes.code_departement
    from offres
    inner join communes on offres.code_commune_implantation = communes.code_commune
    where offres.source not in ('BPE', 'data·inclusion')

),

departements_couverts as (

    select distinct code_departement
    from offres_situees
    where source = 'FINESS'

),

communes_couvertes as (

    select communes.code_commune
    from communes
    inner join departements_couverts on communes.code_departement = departements_couverts.code_departement

),

mesures_presentes as (

    select distinct definitions.code_mesure
    from definitions
    inner join offres_situees on list_contains(definitions.actions, offres_situees.code_action)
    inner join departements_couverts on offres_situees.code_departement = departements_couverts.code_departement

),

par_commune as (

    select
        definitions.code_mesure,
        offres_situees.code_commune_implantation as code_commune,
        sum(
            case when definitions.mode_somme = 'nombre' then 1 else coalesce(offres_situees.capacite, 0) end
        ) as valeur,
        bool_or(offres_situees.est_demonstration) as est_demonstration
    from definitions
    inner join offres_situees on list_contains(definitions.actions, offres_situees.code_action)
    group by definitions.code_mesure, offres_situees.code_commune_implantation

),

grille as (

    select
        mesures_presentes.code_mesure,
        communes_couvertes.code_commune
    from mesures_presentes
    cross join communes_couvertes

),

demonstration as (

    select bool_or(est_demonstration) as est_demonstration
    from offres
    where source = 'FINESS'

),

final as (

    select
        grille.code_commune,
        extract(year from {{ date_reference() }})::integer as annee,
        grille.code_mesure,
        coalesce(par_commune.valeur, 0)::double as valeur,
        coalesce(par_commune.est_demonstration, demonstration.est_demonstration) as est_demonstration,
        'finess_etablissements' as source
    from grille
    cross join demonstration
    left join par_commune
        on
            grille.code_mesure = par_commune.code_mesure
            and grille.code_commune = par_commune.code_commune

)

select * from final
