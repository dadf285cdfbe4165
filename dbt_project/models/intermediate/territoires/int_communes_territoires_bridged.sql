-- Commune -> territory bridge for every level. Commune, EPCI and territoire d'action levels cover the
-- perimeter; département, région and France levels cover every commune of France, so that their sums
-- are complete (the commune sources cover all of France).
with

communes as (

    select * from {{ ref('int_communes_located') }}

),

bridged as (

    select
        code_commune,
        'COM-' || code_commune as code_territoire,
        'commune' as niveau
    from communes
    where est_dans_perimetre

    union all

    select
        code_commune,
        'EPCI-' || code_epci as code_territoire,
        'epci' as niveau
    from communes
    where est_dans_perimetre and code_epci is not null

    union all

    select
        code_commune,
        'TER-' || code_territoire_action as code_territoire,
        'territoire_action' as niveau
    from communes
    where est_dans_departement and code_territoire_action is not null

    union all

    select
        code_commune,
        'DEP-' || code_departement as code_territoire,
        'departement' as niveau
    from communes

    union all

    select
        code_commune,
        'REG-' || code_region as code_territoire,
        'region' as niveau
    from communes

    union all

    select
        code_commune,
        'FR' as code_territoire,
        'france' as niveau
    from communes

),

final as (

    select
        code_commune,
        code_territoire,
        niveau
    from bridged

)

select * from final
