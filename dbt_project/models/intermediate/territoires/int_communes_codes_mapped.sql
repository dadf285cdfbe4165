-- Maps every commune code a source may use to the commune of the current COG:
-- a current commune to itself, an arrondissement municipal / commune déléguée / associée to its parent,
-- a retired code (merger, change of code) to the commune that absorbed it, according to the COG history.
-- Retired codes are followed one step (the latest change); longer chains are not resolved.
with

communes as (

    select * from {{ ref('stg_insee__communes') }}

),

mouvements as (

    select * from {{ ref('stg_insee__mouvements_communes') }}

),

communes_actuelles as (

    select code_commune
    from communes
    where typecom = 'COM'

),

codes_cog as (

    select
        code_commune as code_source,
        case when typecom = 'COM' then code_commune else code_commune_parent end as code_commune,
        typecom as type_code,
        case typecom when 'COM' then 1 when 'ARM' then 2 else 3 end as priorite,
        null::date as date_effet
    from communes

),

codes_historiques as (

    select
        code_commune_avant as code_source,
        code_commune_apres as code_commune,
        'ANCIEN' as type_code,
        4 as priorite,
        date_effet
    from mouvements
    -- mergers, associations, end of delegated communes, changes of code
    where
        code_modification in (31, 32, 33, 34, 35, 41, 50, 70, 71)
        and code_commune_avant <> code_commune_apres

),

unioned as (

    select * from codes_cog
    union all
    select * from codes_historiques

),

resolved as (

    select unioned.*
    from unioned
    inner join communes_actuelles on unioned.code_commune = communes_actuelles.code_commune
    qualify row_number() over (
        partition by unioned.code_source
        order by unioned.priorite asc, unioned.date_effet desc nulls last
    ) = 1

),

final as (

    select
        code_source,
        code_commune,
        type_code
    from resolved

)

select * from final
