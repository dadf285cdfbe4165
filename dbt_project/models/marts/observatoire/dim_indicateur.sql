-- The indicator catalog (contracts §4 marts.dim_indicateur), from the reviewed seed `indicateurs`.
with

indicateurs as (

    select * from {{ ref('indicateurs') }}

),

final as (

    select
        code_indicateur,
        libelle,
        theme,
        unite,
        facteur,
        definition_numerateur,
        definition_denominateur,
        source,
        producteur,
        millesime,
        licence,
        pourquoi,
        nature,
        niveau_le_plus_fin,
        regle_secret,
        seuil_secret
    from indicateurs

)

select * from final
