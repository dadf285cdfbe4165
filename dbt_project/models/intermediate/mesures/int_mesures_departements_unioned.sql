-- Département-level measures in long form: INSEE population estimates summed into the age groups used as
-- denominators, and the DREES series chosen in the reviewed seed drees_series (jeu, feuille, sous_entete).
-- Only départements of the current COG are kept (DREES '20A'/'20B' are Corsica's 2A/2B; old '20' is dropped).
with

estimations as (

    select * from {{ ref('stg_insee__estimations_population') }}

),

drees as (

    select * from {{ ref('stg_drees__aide_sociale') }}

),

drees_series as (

    select * from {{ ref('drees_series') }}

),

departements as (

    select * from {{ ref('stg_insee__departements') }}

),

groupes_age as (

    select
        groupes.code_mesure,
        groupes.age_debut,
        groupes.age_fin
    from (
        values
        ('estim_pop_totale', 0, null),
        ('estim_pop_0_19', 0, 19),
        ('estim_pop_15_64', 15, 64),
        ('estim_pop_20_64', 20, 64),
        ('estim_pop_60_plus', 60, null),
        ('estim_pop_75_plus', 75, null)
    ) as groupes (code_mesure, age_debut, age_fin)

),

estimations_long as (

    select
        estimations.code_departement,
        estimations.annee,
        groupes_age.code_mesure,
        {{ mesure_exacte('sum(estimations.population)') }} as valeur,
        'insee_estimations_population_departement' as source
    from estimations
    inner join groupes_age
        on
            estimations.age_min >= groupes_age.age_debut
            and (groupes_age.age_fin is null or estimations.age_max <= groupes_age.age_fin)
    where estimations.sexe = 'ensemble'
    group by estimations.code_departement, estimations.annee, groupes_age.code_mesure

),

drees_long as (

    -- one value per (jeu, feuille, sous_entete, département, year): the extractor keeps one at a series break
    -- and maps Corsica's 20A/20B to 2A/2B (stg_drees__aide_sociale primary_key test); the seed maps each
    -- table to one measure (drees_series: primary key and unique code_mesure)
    select
        drees.code_departement,
        drees.annee,
        drees_series.code_mesure,
        {{ mesure_exacte('drees.valeur') }} as valeur,
        'drees_aide_sociale_departement' as source
    from drees
    inner join drees_series
        on
            drees.jeu = drees_series.jeu
            and drees.feuille = drees_series.feuille
            and coalesce(drees.sous_entete, '') = coalesce(drees_series.sous_entete, '')

),

unioned as (

    select * from estimations_long
    union all
    select * from drees_long

),

final as (

    select
        unioned.code_departement,
        unioned.annee,
        unioned.code_mesure,
        unioned.valeur,
        false as est_demonstration,
        unioned.source
    from unioned
    inner join departements on unioned.code_departement = departements.code_departement

)

select * from final
