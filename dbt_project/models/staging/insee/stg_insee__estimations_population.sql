with source as (

    select * from {{ source('insee', 'insee_estimations_population_departement') }}

),

final as (

    select
        annee::integer as annee,
        code_departement::varchar as code_departement,
        sexe::varchar as sexe,
        tranche_age::varchar as tranche_age,
        age_min::integer as age_min,
        age_max::integer as age_max,
        population::bigint as population,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
