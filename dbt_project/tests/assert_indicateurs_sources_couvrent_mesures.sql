-- Every source that feeds an indicator's measures (numerator or denominator) is listed in its sources_extraction,
-- so that dim_indicateur marks the indicator unavailable when one of them is.
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

lignage as (

    select distinct
        code_mesure,
        source
    from mesures_communes
    union
    select distinct
        code_mesure,
        source
    from mesures_departements

),

final as (

    select
        indicateurs.code_indicateur,
        lignage.source
    from indicateurs
    inner join lignage
        on lignage.code_mesure in (indicateurs.code_mesure_numerateur, indicateurs.code_mesure_denominateur)
    where not list_contains(string_split(indicateurs.sources_extraction, ' '), lignage.source)

)

select * from final
