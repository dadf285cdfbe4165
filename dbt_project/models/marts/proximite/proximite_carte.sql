-- Map table of « Besoins et offre »: each commune's distance to the nearest service of each proximity category,
-- with the contour of the commune, one row per polygon (deck.gl's polygon layer draws one ring list per row, as
-- panorama_carte). Reads marts only (tableau_de_bord).
with

distances as (

    select * from {{ ref('fct_proximite_commune') }}

),

contours as (

    select * from {{ ref('geo_territoire') }}
    where niveau = 'commune'

),

polygones as (

    {{ polygones_contours('contours') }}

),

final as (

    select
        distances.code_territoire,
        distances.libelle_commune as libelle_territoire,
        distances.code_epci,
        distances.categorie_service,
        distances.libelle_categorie,
        distances.distance_km,
        distances.population,
        case when distances.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee,
        polygones.numero_polygone,
        polygones.contour
    from distances
    inner join polygones on distances.code_territoire = polygones.code_territoire

)

select * from final
