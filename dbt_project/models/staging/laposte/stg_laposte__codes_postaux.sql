with source as (

    select * from {{ source('laposte', 'laposte_codes_postaux') }}

),

final as (

    select
        code_commune::varchar as code_commune,
        nom_commune::varchar as nom_commune,
        code_postal::varchar as code_postal,
        ligne_5::varchar as ligne_5,
        libelle_acheminement::varchar as libelle_acheminement,
        latitude::double as latitude,
        longitude::double as longitude,
        est_demonstration::boolean as est_demonstration,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
