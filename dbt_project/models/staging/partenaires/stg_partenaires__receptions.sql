with source as (

    select * from {{ source('partenaires', 'partenaires_receptions') }}

),

final as (

    select
        numero_reception::bigint as numero_reception,
        partenaire::varchar as partenaire,
        type_fichier::varchar as type_fichier,
        sha256::varchar as sha256_fichier,
        recu_le::timestamptz as recu_le,
        fichier::varchar as fichier,
        lignes::bigint as lignes,
        periodes::varchar as periodes,
        statut::varchar as statut,
        nb_erreurs::bigint as nb_erreurs,
        motifs::varchar as motifs,
        rapport::varchar as rapport,
        version::integer as version,
        est_demonstration::boolean as est_demonstration
    from source

)

select * from final
