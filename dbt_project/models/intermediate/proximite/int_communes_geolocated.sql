-- One point (WGS84) per commune of the perimeter, for the proximity indicators.
-- Rule: La Poste's « Base officielle des codes postaux » has one row per (commune, postcode, locality). For each
-- La Poste commune code, the point is the mean of its main localities (no ligne 5 and delivery label equal to
-- the commune's name in La Poste's own spelling, usually one row), else the mean of all its localities. A current
-- commune takes the point of its own code when La Poste has it, else the mean of the points of the codes mapped
-- to it (int_communes_codes_mapped: a commune nouvelle whose code La Poste's vintage does not know). With no
-- La Poste point, the commune takes the centroid of its contour (ign_contours; area-weighted centroid of the
-- outer rings, planar in degrees, ample at a commune's scale). origine_coordonnees says which rule applied.
with

communes as (

    select * from {{ ref('int_communes_located') }}
    where est_dans_perimetre

),

codes as (

    select * from {{ ref('int_communes_codes_mapped') }}

),

laposte as (

    select * from {{ ref('stg_laposte__codes_postaux') }}
    where latitude is not null and longitude is not null

),

contours as (

    select * from {{ ref('stg_ign__contours') }}
    where niveau = 'commune'

),

laposte_ranked as (

    select
        *,
        ligne_5 is null and libelle_acheminement = nom_commune as est_localite_principale,
        bool_or(ligne_5 is null and libelle_acheminement = nom_commune)
            over (partition by code_commune) as a_localite_principale
    from laposte

),

laposte_points as (

    select
        code_commune as code_laposte,
        avg(latitude) as latitude,
        avg(longitude) as longitude,
        bool_or(a_localite_principale) as est_localite_principale
    from laposte_ranked
    where est_localite_principale or not a_localite_principale
    group by code_commune

),

laposte_mapped as (

    select
        codes.code_commune,
        laposte_points.*,
        laposte_points.code_laposte = codes.code_commune as est_code_courant
    from laposte_points
    inner join codes on laposte_points.code_laposte = codes.code_source

),

laposte_communes as (

    select
        code_commune,
        coalesce(avg(latitude) filter (where est_code_courant), avg(latitude)) as latitude,
        coalesce(avg(longitude) filter (where est_code_courant), avg(longitude)) as longitude,
        case
            when not bool_or(est_code_courant) then 'La Poste (moyenne des anciennes communes)'
            when bool_or(est_localite_principale and est_code_courant) then 'La Poste (localité principale)'
            else 'La Poste (moyenne des localités)'
        end as origine_coordonnees
    from laposte_mapped
    group by code_commune

),

-- Outer ring of every polygon of the contour, as vertex pairs (i, i + 1) for the shoelace formula.
anneaux as (

    select
        code as code_commune,
        unnest(json_extract(geojson, '$.coordinates')::double[][][][])[1] as anneau
    from contours

),

sommets as (

    select
        code_commune,
        anneau,
        unnest(range(1, len(anneau))) as i
    from anneaux

),

aretes as (

    select
        code_commune,
        anneau[i][1] as x1,
        anneau[i][2] as y1,
        anneau[i + 1][1] as x2,
        anneau[i + 1][2] as y2
    from sommets

),

centroides as (

    select
        code_commune,
        sum((y1 + y2) * (x1 * y2 - x2 * y1)) / (3 * sum(x1 * y2 - x2 * y1)) as latitude,
        sum((x1 + x2) * (x1 * y2 - x2 * y1)) / (3 * sum(x1 * y2 - x2 * y1)) as longitude
    from aretes
    group by code_commune
    having sum(x1 * y2 - x2 * y1) != 0

),

final as (

    select
        communes.code_commune,
        communes.libelle,
        coalesce(laposte_communes.latitude, centroides.latitude) as latitude,
        coalesce(laposte_communes.longitude, centroides.longitude) as longitude,
        case
            when laposte_communes.code_commune is not null then laposte_communes.origine_coordonnees
            when centroides.code_commune is not null then 'Centroïde du contour IGN (pas de point La Poste)'
            else 'Aucune coordonnée'
        end as origine_coordonnees,
        laposte_communes.code_commune is null and centroides.code_commune is not null as est_centroide_contour
    from communes
    left join laposte_communes on communes.code_commune = laposte_communes.code_commune
    left join centroides on communes.code_commune = centroides.code_commune

)

select * from final
