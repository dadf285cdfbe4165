-- Département -> territory bridge, used to aggregate département-level measures (DREES, INSEE estimates)
-- to the département itself, its région and France.
with

departements as (

    select * from {{ ref('stg_insee__departements') }}

),

bridged as (

    select
        code_departement,
        'DEP-' || code_departement as code_territoire,
        'departement' as niveau
    from departements

    union all

    select
        code_departement,
        'REG-' || code_region as code_territoire,
        'region' as niveau
    from departements

    union all

    select
        code_departement,
        'FR' as code_territoire,
        'france' as niveau
    from departements

),

final as (

    select
        code_departement,
        code_territoire,
        niveau
    from bridged

)

select * from final
