-- For every commune of the perimeter that has a point, and every proximity category (seed proximite_categories)
-- with at least one located service, the straight-line (haversine) distance to the nearest service of that
-- category in the referential — whatever its département: the referential holds the services of the perimeter
-- (the département and every EPCI touching it), so the nearest one may lie across the border. Brute force over
-- commune × service pairs (a few hundred thousand for a département; see the README for the national scope).
with

communes as (

    select * from {{ ref('int_communes_geolocated') }}
    where latitude is not null

),

services as (

    select * from {{ ref('int_offre_services_geolocated') }}

),

categories as (

    select * from {{ ref('proximite_categories') }}

),

services_categorises as (

    select distinct
        categories.categorie_service,
        categories.libelle_categorie,
        services.code_offre,
        services.latitude,
        services.longitude,
        services.est_point_commune,
        services.est_demonstration
    from services
    inner join categories
        on
            (categories.dimension = 'action' and services.code_action = categories.code)
            or (categories.dimension = 'institution' and services.code_institution = categories.code)

),

resume_categories as (

    select
        categorie_service,
        count(*) as nb_services,
        count(*) filter (where est_point_commune) as nb_services_point_commune,
        bool_or(est_demonstration) as est_demonstration
    from services_categorises
    group by categorie_service

),

paires as (

    select
        communes.code_commune,
        communes.origine_coordonnees as origine_coordonnees_commune,
        services_categorises.*,
        {{ haversine_km('communes.latitude', 'communes.longitude',
                        'services_categorises.latitude', 'services_categorises.longitude') }} as distance_km
    from communes
    cross join services_categorises

),

plus_proches as (

    select
        code_commune,
        categorie_service,
        any_value(libelle_categorie) as libelle_categorie,
        any_value(origine_coordonnees_commune) as origine_coordonnees_commune,
        min(distance_km) as distance_km,
        arg_min(code_offre, (distance_km, code_offre)) as code_offre_plus_proche
    from paires
    group by code_commune, categorie_service

),

final as (

    select
        plus_proches.*,
        resume_categories.nb_services as nb_services_categorie,
        resume_categories.nb_services_point_commune as nb_services_categorie_point_commune,
        resume_categories.est_demonstration
    from plus_proches
    inner join resume_categories on plus_proches.categorie_service = resume_categories.categorie_service

)

select * from final
