with

publics as (

    select * from {{ ref('offre_publics') }}

),

final as (

    select
        code_public,
        libelle as libelle_public,
        description as description_public
    from publics

)

select * from final
