with source as (

    select * from {{ source('insee', 'insee_cog_mouvements') }}

),

final as (

    select
        mod::integer as code_modification,
        date_effet::date as date_effet,
        typecom_avant::varchar as typecom_avant,
        code_commune_avant::varchar as code_commune_avant,
        libelle_avant::varchar as libelle_avant,
        typecom_apres::varchar as typecom_apres,
        code_commune_apres::varchar as code_commune_apres,
        libelle_apres::varchar as libelle_apres,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
