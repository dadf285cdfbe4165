with source as (

    select * from {{ source('insee', 'insee_cog_departements') }}

),

final as (

    select
        code_departement::varchar as code_departement,
        code_region::varchar as code_region,
        libelle::varchar as libelle,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
