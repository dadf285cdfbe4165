with source as (

    select * from {{ source('insee', 'insee_populations_legales') }}

),

final as (

    select
        code_commune::varchar as code_commune,
        libelle::varchar as libelle,
        code_departement::varchar as code_departement,
        population_municipale::bigint as population_municipale,
        population_comptee_a_part::bigint as population_comptee_a_part,
        population_totale::bigint as population_totale,
        annee::integer as annee,
        annee_vigueur::integer as annee_vigueur,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
