-- Coverage index per territory x theme x year: the mean of the coverage indices of the theme's coverage
-- indicators (each 100 = the département's level), classed with the same five fixed classes.
with

couverture as (

    select * from {{ ref('fct_couverture_besoins') }}

),

par_theme as (

    select
        code_territoire,
        theme,
        annee,
        any_value(niveau) as niveau,
        any_value(libelle_territoire) as libelle_territoire,
        {{ agregat_ordonne('avg', 'indice_couverture', 'code_indicateur') }} as indice_couverture,
        count(indice_couverture) as nb_indicateurs,
        string_agg(code_indicateur, ', ' order by code_indicateur) as indicateurs,
        bool_or(est_demonstration) as est_demonstration
    from couverture
    group by code_territoire, theme, annee

),

final as (

    select
        code_territoire,
        theme,
        annee,
        niveau,
        libelle_territoire,
        indice_couverture,
        {{ classe_couverture('indice_couverture') }} as classe_couverture,
        nb_indicateurs,
        indicateurs,
        est_demonstration
    from par_theme

)

select * from final
