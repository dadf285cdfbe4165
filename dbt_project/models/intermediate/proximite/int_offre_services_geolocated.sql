-- One WGS84 point per offer of the referential, for the proximity indicators. Sources of the point, in order:
-- the FINESS geolocation (CSV extract: Lambert 93 metres converted by the macro lambert93_latitude/_longitude;
-- JSON flux: WGS84), data·inclusion's latitude/longitude, else the point of the commune of implantation
-- (int_communes_geolocated; BPE facilities and partners' rows never carry coordinates). A source point lying more
-- than 30 km from its commune's point is taken as a geocoding error (or a non-Lambert 93 overseas point) and
-- replaced by the commune's point. An offer with neither (partner row declared above commune level) is left out.
-- origine_coordonnees and est_point_commune say which rule applied.
{%- set distance_max_km = 30 %}

with

offre as (

    select * from {{ ref('int_offre_services_unioned') }}

),

finess as (

    select * from {{ ref('stg_finess__etablissements') }}
    where coord_x is not null and coord_y is not null

),

data_inclusion as (

    select * from {{ ref('stg_data_inclusion__services') }}
    where latitude is not null and longitude is not null

),

communes as (

    select * from {{ ref('int_communes_geolocated') }}
    where latitude is not null

),

points_finess as (

    select
        'FINESS-' || nofinesset as code_offre,
        case
            when systeme_coordonnees = 'lambert93' then {{ lambert93_latitude('coord_x', 'coord_y') }}
            else coord_y
        end as latitude,
        case
            when systeme_coordonnees = 'lambert93' then {{ lambert93_longitude('coord_x', 'coord_y') }}
            else coord_x
        end as longitude,
        case
            when systeme_coordonnees = 'lambert93' then 'FINESS (Lambert 93 converti en WGS84)'
            else 'FINESS (WGS84)'
        end as origine
    from finess

),

points_data_inclusion as (

    select
        'DI-' || source_donnees || '-' || id_service as code_offre,
        latitude,
        longitude,
        'data·inclusion (latitude, longitude)' as origine
    from data_inclusion

),

points_sources as (

    select * from points_finess
    union all
    select * from points_data_inclusion

),

offre_points as (

    select
        offre.code_offre,
        offre.source,
        offre.libelle_offre,
        offre.code_action,
        offre.code_institution,
        offre.code_commune_implantation,
        offre.est_demonstration,
        points_sources.latitude as latitude_source,
        points_sources.longitude as longitude_source,
        points_sources.origine,
        communes.latitude as latitude_commune,
        communes.longitude as longitude_commune,
        {{ haversine_km('points_sources.latitude', 'points_sources.longitude',
                        'communes.latitude', 'communes.longitude') }} as ecart_commune_km
    from offre
    left join points_sources on offre.code_offre = points_sources.code_offre
    left join communes on offre.code_commune_implantation = communes.code_commune

),

offre_points_retenus as (

    select
        *,
        latitude_source is not null
        and coalesce(ecart_commune_km <= {{ distance_max_km }}, true) as garde_point_source
    from offre_points

),

final as (

    select
        code_offre,
        source,
        libelle_offre,
        code_action,
        code_institution,
        code_commune_implantation,
        case when garde_point_source then latitude_source else latitude_commune end as latitude,
        case when garde_point_source then longitude_source else longitude_commune end as longitude,
        case
            when garde_point_source then origine
            when latitude_source is not null
                then 'Point de la commune d''implantation (point de la source à plus de {{ distance_max_km }} km)'
            else 'Point de la commune d''implantation (la source ne donne pas de coordonnées)'
        end as origine_coordonnees,
        not garde_point_source as est_point_commune,
        est_demonstration
    from offre_points_retenus
    where latitude_source is not null or latitude_commune is not null

)

select * from final
