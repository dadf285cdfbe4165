-- The territory perimeter, one row per territory at every level: communes of the perimeter, their EPCI,
-- the configured département's territoires d'action, all départements, all régions, France.
-- code_territoire = level prefix + native code (COM-32013, EPCI-200066926, TER-32-01, DEP-32, REG-76, FR).
with

communes as (

    select * from {{ ref('int_communes_located') }}

),

departements as (

    select * from {{ ref('stg_insee__departements') }}

),

regions as (

    select * from {{ ref('stg_insee__regions') }}

),

departement_configure as (

    select
        code_departement,
        code_region
    from departements
    where code_departement = '{{ var("departement") }}'

),

-- An EPCI's département: the configured one when the EPCI touches it, otherwise the département holding
-- most of its population (an EPCI may straddle several).
departement_par_epci as (

    select
        code_epci,
        code_departement,
        code_region
    from communes
    where est_dans_perimetre and code_epci is not null
    group by code_epci, code_departement, code_region
    qualify row_number() over (
        partition by code_epci
        order by
            (code_departement = '{{ var("departement") }}') desc,
            sum(coalesce(population_municipale, 0)) desc,
            code_departement asc
    ) = 1

),

niveau_commune as (

    select
        'COM-' || code_commune as code_territoire,
        'commune' as niveau,
        code_commune as code,
        libelle,
        code_epci,
        code_territoire_action,
        code_departement,
        code_region,
        est_dans_departement,
        false as est_interdepartemental
    from communes
    where est_dans_perimetre

),

niveau_epci as (

    select
        'EPCI-' || communes.code_epci as code_territoire,
        'epci' as niveau,
        communes.code_epci as code,
        min(communes.libelle_epci) as libelle,
        communes.code_epci,
        null as code_territoire_action,
        min(departement_par_epci.code_departement) as code_departement,
        min(departement_par_epci.code_region) as code_region,
        bool_or(communes.est_dans_departement) as est_dans_departement,
        count(distinct communes.code_departement) > 1 as est_interdepartemental
    from communes
    inner join departement_par_epci on communes.code_epci = departement_par_epci.code_epci
    where communes.est_dans_perimetre
    group by communes.code_epci

),

niveau_territoire_action as (

    select
        'TER-' || communes.code_territoire_action as code_territoire,
        'territoire_action' as niveau,
        communes.code_territoire_action as code,
        min(communes.libelle_territoire_action) as libelle,
        null as code_epci,
        communes.code_territoire_action,
        min(departement_configure.code_departement) as code_departement,
        min(departement_configure.code_region) as code_region,
        true as est_dans_departement,
        false as est_interdepartemental
    from communes
    cross join departement_configure
    where communes.est_dans_departement and communes.code_territoire_action is not null
    group by communes.code_territoire_action

),

niveau_departement as (

    select
        'DEP-' || code_departement as code_territoire,
        'departement' as niveau,
        code_departement as code,
        libelle,
        null as code_epci,
        null as code_territoire_action,
        code_departement,
        code_region,
        code_departement = '{{ var("departement") }}' as est_dans_departement,
        false as est_interdepartemental
    from departements

),

niveau_region as (

    select
        'REG-' || regions.code_region as code_territoire,
        'region' as niveau,
        regions.code_region as code,
        regions.libelle,
        null as code_epci,
        null as code_territoire_action,
        null as code_departement,
        regions.code_region,
        departement_configure.code_region is not null as est_dans_departement,
        false as est_interdepartemental
    from regions
    left join departement_configure on regions.code_region = departement_configure.code_region

),

niveau_france as (

    select
        'FR' as code_territoire,
        'france' as niveau,
        'FR' as code,
        'France' as libelle,
        null as code_epci,
        null as code_territoire_action,
        null as code_departement,
        null as code_region,
        true as est_dans_departement,
        false as est_interdepartemental

),

final as (

    select * from niveau_commune
    union all
    select * from niveau_epci
    union all
    select * from niveau_territoire_action
    union all
    select * from niveau_departement
    union all
    select * from niveau_region
    union all
    select * from niveau_france

)

select * from final
