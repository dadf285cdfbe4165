-- The Comparateur's measures (codes as published), plus the natural balance derived from them:
-- solde_naturel = births - deaths between the two censuses, per published code and period end year.
-- A difference of two additive counts is additive, so it is summed like any count afterwards.
with

comparateur as (

    select * from {{ ref('stg_insee__comparateur_mesures') }}

),

soldes as (

    select
        code_commune,
        annee,
        'solde_naturel' as code_mesure,
        sum(valeur) filter (where code_mesure = 'naissances_entre_recensements')
        - sum(valeur) filter (where code_mesure = 'deces_entre_recensements') as valeur,
        bool_or(est_demonstration) as est_demonstration
    from comparateur
    where code_mesure in ('naissances_entre_recensements', 'deces_entre_recensements')
    group by code_commune, annee

),

unioned as (

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration
    from comparateur

    union all

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration
    from soldes

),

final as (

    select * from unioned

)

select * from final
