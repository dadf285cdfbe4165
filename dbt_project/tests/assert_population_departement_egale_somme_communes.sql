-- The configured département's population municipale in the fact table equals the sum over its communes
-- in the populations légales (staging), for the census year: returns a row when they differ.
with

faits as (

    select * from {{ ref('fct_indicateur_territoire') }}
    where
        code_indicateur = 'population_municipale'
        and code_territoire = 'DEP-{{ var("departement") }}'

),

populations as (

    select
        annee,
        sum(population_municipale) as population_municipale
    from {{ ref('stg_insee__populations_legales') }}
    where code_departement = '{{ var("departement") }}'
    group by annee

),

final as (

    select
        populations.annee,
        populations.population_municipale as attendu,
        faits.numerateur as obtenu
    from populations
    left join faits on populations.annee = faits.annee
    where faits.numerateur is distinct from populations.population_municipale

)

select * from final
