-- One row per territory of the perimeter, every level (contracts §4 marts.dim_territoire).
with

territoires as (

    select * from {{ ref('int_territoires_unioned') }}

),

communes_territoires as (

    select * from {{ ref('int_communes_territoires_bridged') }}

),

communes as (

    select * from {{ ref('int_communes_located') }}

),

comptes as (

    select
        communes_territoires.code_territoire,
        sum(communes.population_municipale)::bigint as population_municipale,
        count(*)::integer as nb_communes
    from communes_territoires
    inner join communes on communes_territoires.code_commune = communes.code_commune
    group by communes_territoires.code_territoire

),

final as (

    select
        territoires.code_territoire::varchar as code_territoire,
        territoires.niveau::varchar as niveau,
        territoires.code::varchar as code,
        territoires.libelle::varchar as libelle,
        territoires.code_epci::varchar as code_epci,
        territoires.code_territoire_action::varchar as code_territoire_action,
        territoires.code_departement::varchar as code_departement,
        territoires.code_region::varchar as code_region,
        territoires.est_dans_departement::boolean as est_dans_departement,
        territoires.est_interdepartemental::boolean as est_interdepartemental,
        comptes.population_municipale,
        coalesce(comptes.nb_communes, 0)::integer as nb_communes
    from territoires
    left join comptes on territoires.code_territoire = comptes.code_territoire

)

select * from final
