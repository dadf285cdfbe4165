-- Offer -> every commune of its zone served (a commune, an EPCI, a territoire d'action or the département),
-- through the commune -> territory bridge. One row per (offer, commune served).
with

offres as (

    select * from {{ ref('int_offre_services_unioned') }}

),

bridge as (

    select * from {{ ref('int_communes_territoires_bridged') }}

),

final as (

    select distinct
        offres.code_offre,
        bridge.code_commune
    from offres
    inner join bridge on offres.cle_zone_desservie = bridge.code_territoire

)

select * from final
