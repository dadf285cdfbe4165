-- Choropleth table for the Panorama maps (contracts §4 marts.panorama_carte): each commune and EPCI indicator
-- value with the contour of its territory, one row per polygon of the territory (deck.gl's polygon layer draws
-- one ring list per row, so a commune in several pieces has several rows carrying the same value), for the latest
-- year of each indicator.
with

indicateurs as (

    -- one year per indicator: its latest (a choropleth cannot show several years at once)
    select * from {{ ref('panorama_indicateurs') }}
    where niveau in ('commune', 'epci')
    qualify annee = max(annee) over (partition by code_indicateur)

),

contours as (

    select * from {{ ref('geo_territoire') }}

),

polygones as (

    {{ polygones_contours('contours') }}

),

final as (

    select
        indicateurs.code_territoire,
        indicateurs.niveau,
        indicateurs.libelle_territoire,
        indicateurs.code_indicateur,
        indicateurs.libelle_indicateur,
        indicateurs.theme,
        indicateurs.unite,
        indicateurs.annee,
        indicateurs.valeur,
        indicateurs.nature_donnee,
        polygones.numero_polygone,
        polygones.contour
    from indicateurs
    inner join polygones on indicateurs.code_territoire = polygones.code_territoire

)

select * from final
