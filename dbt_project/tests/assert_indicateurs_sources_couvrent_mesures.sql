-- Every source that feeds an indicator's measures (numerator or denominator) is listed in its sources_extraction,
-- so that dim_indicateur marks the indicator unavailable when one of them is. A vintage published for one région
-- only (seed millesimes_regionaux) feeds counts only (int_indicateurs_unites_joined), never a ratio.
with

indicateurs as (

    select * from {{ ref('indicateurs') }}

),

mesures_communes as (

    select * from {{ ref('int_mesures_communes_unioned') }}

),

mesures_departements as (

    select * from {{ ref('int_mesures_departements_unioned') }}

),

millesimes_regionaux as (

    select * from {{ ref('millesimes_regionaux') }}

),

lignage as (

    select distinct
        mesures_communes.code_mesure,
        mesures_communes.source,
        millesimes_regionaux.source is not null as est_millesime_regional
    from mesures_communes
    left join millesimes_regionaux
        on
            mesures_communes.source = millesimes_regionaux.source
            and mesures_communes.code_mesure = millesimes_regionaux.code_mesure
            and mesures_communes.annee = millesimes_regionaux.annee
    union
    select distinct
        code_mesure,
        source,
        false as est_millesime_regional
    from mesures_departements

),

final as (

    select
        indicateurs.code_indicateur,
        lignage.source
    from indicateurs
    inner join lignage
        on
            (
                indicateurs.code_mesure_numerateur = lignage.code_mesure
                or indicateurs.code_mesure_denominateur = lignage.code_mesure
            )
            and (not lignage.est_millesime_regional or indicateurs.code_mesure_denominateur is null)
    where not list_contains(string_split(indicateurs.sources_extraction, ' '), lignage.source)

)

select * from final
