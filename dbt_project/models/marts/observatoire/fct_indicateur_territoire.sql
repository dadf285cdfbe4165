-- One row per indicator x territory x year (contracts §4 marts.fct_indicateur_territoire).
-- Catalog indicators: valeur = facteur x numerateur / denominateur from SUMMED numerators and denominators, or
-- the numerator for counts; null (never 0) when the numerator is unknown or the denominator is unknown or 0.
-- Average annual change rates (seed indicateurs_appariement_annees, taux_annuel): numerator = year N, denominator =
-- year N - ecart_annees, both summed; valeur = facteur x ((numerateur / denominateur)^(1 / ecart_annees) - 1).
-- Partner and ABS indicators (code '<partner>__<code>', catalogued in dim_indicateur): published AS SENT for
-- the territory and year the partner named (numerateur, denominateur and valeur unchanged), never summed to
-- other levels (a partner file is not exhaustive), one unit and none masked; source = partner, file, sha256.
-- Non-additive catalog indicators (seed regle_agregation = 'publiee': Filosofi median and poverty rate): the
-- source's own value, only for the territories and years it publishes (int_indicateurs_publies_selected); no
-- numerator nor denominator; a secret cell keeps a null valeur and counts as one masked unit.
with

agreges as (

    select * from {{ ref('int_indicateurs_territoires_aggregated') }}

),

indicateurs as (

    select * from {{ ref('indicateurs') }}

),

appariements as (

    select * from {{ ref('indicateurs_appariement_annees') }}

),

partenaires as (

    select * from {{ ref('int_indicateurs_partenaires_unioned') }}

),

publiees as (

    select * from {{ ref('int_indicateurs_publies_selected') }}

),

catalogue as (

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
            when appariements.taux_annuel
                then
                    indicateurs.facteur
                    * (power(agreges.numerateur / agreges.denominateur, 1.0 / appariements.ecart_annees) - 1)
            else indicateurs.facteur * agreges.numerateur / agreges.denominateur
        end::double as valeur,
        agreges.est_demonstration,
        agreges.source,
        agreges.nb_unites::integer as nb_unites,
        agreges.nb_unites_masquees::integer as nb_unites_masquees
    from agreges
    inner join indicateurs on agreges.code_indicateur = indicateurs.code_indicateur
    left join appariements on agreges.code_indicateur = appariements.code_indicateur

),

indicateurs_partenaires as (

    select
        code_indicateur,
        code_territoire,
        annee::integer as annee,
        numerateur::double as numerateur,
        denominateur::double as denominateur,
        valeur::double as valeur,
        est_demonstration,
        source,
        1 as nb_unites,
        0 as nb_unites_masquees
    from partenaires

),

indicateurs_publies as (

    select
        code_indicateur,
        code_territoire,
        annee::integer as annee,
        null::double as numerateur,
        null::double as denominateur,
        valeur::double as valeur,
        est_demonstration,
        source,
        1 as nb_unites,
        case when statut = 'secret' then 1 else 0 end as nb_unites_masquees
    from publiees

),

final as (

    select * from catalogue
    union all
    select * from indicateurs_partenaires
    union all
    select * from indicateurs_publies

)

select * from final
