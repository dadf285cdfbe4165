with source as (

    select * from {{ source('compilations', 'compilation_populations_occitanie') }}

),

final as (

    select
        code_commune::varchar as code_commune,
        annee::integer as annee,
        code_mesure::varchar as code_mesure,
        valeur::double as valeur,
        est_demonstration::boolean as est_demonstration,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
