with source as (

    select * from {{ source('departement', 'territoires_action') }}

),

final as (

    select
        code_commune::varchar as code_commune,
        code_territoire::varchar as code_territoire,
        libelle_territoire::varchar as libelle_territoire,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
