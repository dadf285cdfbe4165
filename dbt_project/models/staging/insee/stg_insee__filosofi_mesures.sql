with

source as (

    select * from {{ source('insee', 'insee_filosofi_communes') }}

),

final as (

    select
        niveau::varchar as niveau,
        code_geo::varchar as code_geo,
        annee::integer as annee,
        code_mesure::varchar as code_mesure,
        valeur::double as valeur,
        statut::varchar as statut,
        millesime_geo::integer as millesime_geo,
        est_demonstration::boolean as est_demonstration,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
