with source as (

    select * from {{ source('dgcl', 'epci_composition') }}

),

final as (

    select
        siren_epci::varchar as code_epci,
        nom_epci::varchar as libelle_epci,
        nature_juridique::varchar as nature_juridique,
        mode_financement::varchar as mode_financement,
        code_commune::varchar as code_commune,
        nom_commune::varchar as libelle_commune,
        millesime::integer as millesime,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
