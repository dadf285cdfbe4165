-- Indicators aggregated from their finest units to every territory of the perimeter: numerators and
-- denominators are SUMMED (the ratio is computed afterwards from the sums, never averaged).
-- A sum is null as soon as one contributing value is null (secret / blurred / missing denominator).
with

unites as (

    select * from {{ ref('int_indicateurs_unites_joined') }}

),

communes_territoires as (

    select * from {{ ref('int_communes_territoires_bridged') }}

),

departements_territoires as (

    select * from {{ ref('int_departements_territoires_bridged') }}

),

ponts as (

    select
        'commune' as niveau_unite,
        code_commune as code_unite,
        code_territoire
    from communes_territoires

    union all

    select
        'departement' as niveau_unite,
        code_departement as code_unite,
        code_territoire
    from departements_territoires

),

rattachees as (

    select
        unites.*,
        ponts.code_territoire
    from unites
    inner join ponts
        on
            unites.niveau_unite = ponts.niveau_unite
            and unites.code_unite = ponts.code_unite

),

aggregated as (

    select
        code_indicateur,
        code_territoire,
        annee,
        case when count(numerateur) = count(*) then sum(numerateur) end as numerateur,
        case when bool_and(a_denominateur) and count(denominateur) = count(*) then sum(denominateur) end
            as denominateur,
        bool_or(est_demonstration) as est_demonstration,
        string_agg(distinct source, ' / ' order by source) as source,
        count(*) as nb_unites
    from rattachees
    group by code_indicateur, code_territoire, annee

),

final as (

    select
        code_indicateur,
        code_territoire,
        annee,
        numerateur::double as numerateur,
        denominateur::double as denominateur,
        est_demonstration,
        source,
        nb_unites
    from aggregated

)

select * from final
