-- Distance from each commune of the perimeter to the nearest service of each proximity category (straight line,
-- km), with the commune's population and where both points come from: the commune level of the proximity
-- indicators, read by the map of « Besoins et offre » (proximite_carte) and by fct_proximite_territoire's readers.
with

mesures as (

    select * from {{ ref('int_proximite_communes_measured') }}

),

communes as (

    select * from {{ ref('int_communes_located') }}

),

services as (

    select * from {{ ref('int_offre_services_geolocated') }}

),

final as (

    select
        'COM-' || mesures.code_commune as code_territoire,
        mesures.code_commune,
        communes.libelle as libelle_commune,
        communes.code_epci,
        communes.code_territoire_action,
        communes.code_departement,
        coalesce(communes.population_municipale, 0)::bigint as population,
        mesures.categorie_service,
        mesures.libelle_categorie,
        mesures.distance_km,
        mesures.code_offre_plus_proche,
        services.libelle_offre as libelle_offre_plus_proche,
        services.code_commune_implantation as code_commune_service_plus_proche,
        services.est_point_commune as est_service_au_point_commune,
        services.origine_coordonnees as origine_coordonnees_service,
        mesures.origine_coordonnees_commune,
        mesures.nb_services_categorie::bigint as nb_services_categorie,
        mesures.est_demonstration
    from mesures
    inner join communes on mesures.code_commune = communes.code_commune
    inner join services on mesures.code_offre_plus_proche = services.code_offre

)

select * from final
