-- One row per indicator x territory x year (contracts §4 marts.fct_indicateur_territoire).
-- valeur = facteur x numerateur / denominateur from SUMMED numerators and denominators, or the numerator for
-- counts; null (never 0) when the numerator is unknown or the denominator is unknown or 0.
with

agreges as (

    select * from {{ ref('int_indicateurs_territoires_aggregated') }}

),

indicateurs as (

    select * from {{ ref('indicateurs') }}

),

final as (

    select
        agreges.code_indicateur,
        agreges.code_territoire,
        agreges.annee::integer as annee,
        agreges.numerateur,
        agreges.denominateur,
        case
            when agreges.numerateur is null then null
            when indicateurs.code_mesure_denominateur is null then agreges.numerateur
            when agreges.denominateur is null or agreges.denominateur = 0 then null
            else indicateurs.facteur * agreges.numerateur / agreges.denominateur
        end::double as valeur,
        agreges.est_demonstration,
        agreges.source,
        agreges.nb_unites::integer as nb_unites,
        agreges.nb_unites_masquees::integer as nb_unites_masquees
    from agreges
    inner join indicateurs on agreges.code_indicateur = indicateurs.code_indicateur

)

select * from final
