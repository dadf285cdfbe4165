with source as (

    select * from {{ source('bpe', 'insee_bpe_communes') }}

),

final as (

    select
        code_commune::varchar as code_commune,
        annee::integer as annee,
        type_equipement::varchar as type_equipement,
        nombre::bigint as nombre,
        est_demonstration::boolean as est_demonstration,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
