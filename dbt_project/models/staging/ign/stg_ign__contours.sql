with source as (

    select * from {{ source('ign', 'ign_contours') }}

),

final as (

    select
        niveau::varchar as niveau,
        code::varchar as code,
        libelle::varchar as libelle,
        geojson::varchar as geojson,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
