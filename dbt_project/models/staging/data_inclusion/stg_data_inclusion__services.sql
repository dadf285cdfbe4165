-- data·inclusion API v1 lands `publics`, `reseaux_porteurs` and `zone_eligibilite` (lists, ';'-joined); the
-- columns below keep the names the offer models read: profils = v1 publics, typologie_structure = the first
-- réseau porteur, and the zone type is read from the shape of the first COG code of zone_eligibilite
-- (schema 1.0.8: 5 characters commune, 2-3 département, 9 digits EPCI SIREN, 99xxx or 'france' pays). A list
-- of several départements only is how v1 writes a région: type 'region', no single code.
with source as (

    select * from {{ source('data_inclusion', 'data_inclusion_services') }}

),

renamed as (

    select
        source::varchar as source_donnees,
        id_service::varchar as id_service,
        structure_id::varchar as structure_id,
        nom_structure::varchar as nom_structure,
        reseaux_porteurs::varchar as reseaux_porteurs,
        nullif(split_part(reseaux_porteurs, ';', 1), '')::varchar as typologie_structure,
        nom::varchar as nom,
        thematiques::varchar as thematiques,
        split_part(thematiques, ';', 1)::varchar as thematique_principale,
        split_part(split_part(thematiques, ';', 1), '--', 1)::varchar as thematique_principale_racine,
        publics::varchar as profils,
        split_part(publics, ';', 1)::varchar as profil_principal,
        code_commune::varchar as code_commune,
        zone_eligibilite::varchar as zone_eligibilite,
        nullif(split_part(zone_eligibilite, ';', 1), '')::varchar as zone_diffusion_code,
        latitude::double as latitude,
        longitude::double as longitude,
        est_demonstration::boolean as est_demonstration,
        _sha256::varchar as sha256_fichier
    from source

),

final as (

    select
        * exclude (zone_diffusion_code),
        case
            when regexp_full_match(zone_eligibilite, '\w{2,3}(;\w{2,3})+') then 'region'
            when zone_diffusion_code = 'france' or regexp_full_match(zone_diffusion_code, '99\d{3}') then 'pays'
            when regexp_full_match(zone_diffusion_code, '\d{9}') then 'epci'
            when length(zone_diffusion_code) = 5 then 'commune'
            when length(zone_diffusion_code) in (2, 3) then 'departement'
        end::varchar as zone_diffusion_type,
        case
            when not regexp_full_match(zone_eligibilite, '\w{2,3}(;\w{2,3})+') then zone_diffusion_code
        end::varchar as zone_diffusion_code
    from renamed

)

select * from final
