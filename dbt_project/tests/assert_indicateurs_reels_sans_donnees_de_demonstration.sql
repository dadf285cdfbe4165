-- An indicator catalogued as 'réel' must never be fed by a demonstration source.
with

faits as (

    select * from {{ ref('fct_indicateur_territoire') }}

),

indicateurs as (

    select * from {{ ref('dim_indicateur') }}

),

final as (

    select
        faits.code_indicateur,
        count(*) as nb_lignes_demonstration
    from faits
    inner join indicateurs on faits.code_indicateur = indicateurs.code_indicateur
    where indicateurs.nature = 'réel' and faits.est_demonstration
    group by faits.code_indicateur

)

select * from final
