-- Contours of the communes and EPCI of the perimeter (contracts §4 marts.geo_territoire): one GeoJSON
-- MultiPolygon per territory, WGS84. Offline, IGN Admin Express 2018 geometry mapped to COG 2025 codes
-- (merged communes gathered); the EPCI contour is the part inside the snapshot's départements.
with

contours as (

    select * from {{ ref('stg_ign__contours') }}

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

final as (

    select
        territoires.code_territoire,
        territoires.niveau,
        territoires.libelle,
        contours.geojson
    from contours
    inner join territoires
        on contours.niveau = territoires.niveau and contours.code = territoires.code

)

select * from final
