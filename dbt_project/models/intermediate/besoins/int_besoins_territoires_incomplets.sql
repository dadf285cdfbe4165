-- (indicator, territory) pairs an offer-based indicator must NOT be published for: the territory holds
-- communes outside the départements the FINESS file covers (offline: the Gers only), so its offer is unknown
-- there. Offline this drops the cross-border EPCI, the région and France; with the national FINESS file online
-- nothing is dropped. Census-based indicators are not concerned (their source covers every commune).
with

indicateurs as (

    select * from {{ ref('indicateurs') }}

),

offre as (

    select * from {{ ref('int_besoins_offre_mesures_communes') }}

),

communes_territoires as (

    select * from {{ ref('int_communes_territoires_bridged') }}

),

communes_couvertes as (

    select distinct code_commune from offre

),

territoires_incomplets as (

    select distinct communes_territoires.code_territoire
    from communes_territoires
    left join communes_couvertes on communes_territoires.code_commune = communes_couvertes.code_commune
    where communes_couvertes.code_commune is null

),

indicateurs_offre as (

    select code_indicateur
    from indicateurs
    where code_mesure_numerateur like 'offre\_%' escape '\'

),

final as (

    select
        indicateurs_offre.code_indicateur,
        territoires_incomplets.code_territoire
    from indicateurs_offre
    cross join territoires_incomplets

)

select * from final
