with source as (

    select * from {{ source('insee', 'insee_cog_communes') }}

),

final as (

    select
        typecom::varchar as typecom,
        code_commune::varchar as code_commune,
        code_region::varchar as code_region,
        code_departement::varchar as code_departement,
        libelle::varchar as libelle,
        code_commune_parent::varchar as code_commune_parent,
        millesime::integer as millesime,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
