with

institutions as (

    select * from {{ ref('offre_institutions') }}

),

final as (

    select
        code_institution,
        libelle as libelle_institution,
        type_institution,
        description as description_institution
    from institutions

)

select * from final
