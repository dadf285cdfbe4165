-- Offer counted in territories, two ways (see dbt_project/README.md, "Counting the offer"):
-- 'implantation' = the offer is located in the territory (its commune of implantation belongs to it; additive
-- across territories of one level); 'desserte' = the territory is served (at least one commune of the zone
-- served belongs to it; an offer serving several EPCI counts in each of them, so these do not add up).
with

offres as (

    select * from {{ ref('int_offre_services_unioned') }}

),

offres_communes as (

    select * from {{ ref('int_offre_communes_bridged') }}

),

bridge as (

    select * from {{ ref('int_communes_territoires_bridged') }}

),

implantation as (

    select distinct
        offres.code_offre,
        bridge.code_territoire,
        'implantation' as mode_comptage
    from offres
    inner join bridge on offres.code_commune_implantation = bridge.code_commune

),

desserte as (

    select distinct
        offres_communes.code_offre,
        bridge.code_territoire,
        'desserte' as mode_comptage
    from offres_communes
    inner join bridge on offres_communes.code_commune = bridge.code_commune

),

final as (

    select * from implantation
    union all
    select * from desserte

)

select * from final
