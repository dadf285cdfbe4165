with source as (

    select * from {{ source('partenaires', 'partenaires_priorites_forum') }}

),

final as (

    select
        partenaire::varchar as partenaire,
        niveau_territoire::varchar as niveau_territoire,
        code_territoire_recu::varchar as code_territoire_recu,
        cle_territoire::varchar as code_territoire,
        theme::varchar as theme,
        priorite::varchar as priorite,
        rang::integer as rang,
        type_expertise::varchar as type_expertise,
        date_forum::date as date_forum,
        commentaire::varchar as commentaire,
        fichier::varchar as fichier,
        _sha256::varchar as sha256_fichier,
        recu_le::timestamptz as recu_le,
        version::integer as version,
        est_demonstration::boolean as est_demonstration,
        _ligne::integer as ligne_fichier
    from source

)

select * from final
