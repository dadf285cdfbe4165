with source as (

    select * from {{ source('offre_partenaires', 'partenaires_referentiel_offre') }}

),

final as (

    select
        partenaire::varchar as partenaire,
        fichier::varchar as fichier,
        _ligne::bigint as ligne,
        politique::varchar as politique,
        mission::varchar as mission,
        action::varchar as action,
        institution::varchar as institution,
        public::varchar as public,
        niveau_territoire::varchar as niveau_territoire,
        code_territoire::varchar as code_territoire,
        cle_territoire::varchar as cle_territoire,
        capacite::double as capacite,
        contact_structure::varchar as contact_structure,
        est_demonstration::boolean as est_demonstration,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
