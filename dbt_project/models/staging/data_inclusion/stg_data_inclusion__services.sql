with source as (

    select * from {{ source('data_inclusion', 'data_inclusion_services') }}

),

final as (

    select
        source::varchar as source_donnees,
        id_service::varchar as id_service,
        structure_id::varchar as structure_id,
        nom_structure::varchar as nom_structure,
        typologie_structure::varchar as typologie_structure,
        nom::varchar as nom,
        thematiques::varchar as thematiques,
        split_part(thematiques, ';', 1)::varchar as thematique_principale,
        split_part(split_part(thematiques, ';', 1), '--', 1)::varchar as thematique_principale_racine,
        profils::varchar as profils,
        split_part(profils, ';', 1)::varchar as profil_principal,
        code_commune::varchar as code_commune,
        lower(zone_diffusion_type)::varchar as zone_diffusion_type,
        zone_diffusion_code::varchar as zone_diffusion_code,
        est_demonstration::boolean as est_demonstration,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
