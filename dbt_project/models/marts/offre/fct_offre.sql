with

offres as (

    select * from {{ ref('int_offre_services_unioned') }}

),

final as (

    select
        code_offre,
        source,
        libelle_offre,
        gestionnaire,
        categorie_source,
        libelle_categorie_source,
        code_action,
        code_institution,
        code_public,
        est_classe,
        code_commune_implantation,
        case when code_commune_implantation is not null then 'COM-' || code_commune_implantation end
            as code_territoire_implantation,
        niveau_zone_desservie,
        cle_zone_desservie as code_territoire_desservi,
        capacite,
        contact_structure,
        est_demonstration
    from offres

)

select * from final
