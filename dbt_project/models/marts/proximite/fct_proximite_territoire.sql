-- Proximity indicators per EPCI, territoire d'action and département (contract §4): for each category, the share of
-- the population living more than 5, 10 and 20 km (straight line) from the nearest service, and the
-- population-weighted median distance. Shares are Σ population of the communes beyond the threshold / Σ
-- population (ratio of sums, in %); the median is the smallest commune distance at which the communes sorted by
-- distance reach half of the population (lower weighted median: a distance some commune really has). A territory
-- is published only when all its communes lie in the perimeter and have a point (a département partly covered by
-- a cross-border EPCI is not). est_demonstration: true when any service of the category is demonstration data.
with

mesures as (

    select * from {{ ref('int_proximite_communes_measured') }}

),

communes as (

    select * from {{ ref('int_communes_located') }}

),

ponts as (

    select * from {{ ref('int_communes_territoires_bridged') }}
    where niveau in ('epci', 'territoire_action', 'departement')

),

territoires as (

    select * from {{ ref('int_territoires_unioned') }}

),

territoires_complets as (

    select
        ponts.code_territoire,
        count(*) as nb_communes
    from ponts
    inner join communes on ponts.code_commune = communes.code_commune
    group by ponts.code_territoire
    having bool_and(communes.est_dans_perimetre)

),

communes_mesurees as (

    select
        ponts.code_territoire,
        ponts.niveau,
        mesures.code_commune,
        mesures.categorie_service,
        mesures.libelle_categorie,
        mesures.distance_km,
        mesures.est_demonstration,
        coalesce(communes.population_municipale, 0) as population
    from mesures
    inner join ponts on mesures.code_commune = ponts.code_commune
    inner join communes on mesures.code_commune = communes.code_commune

),

cumuls as (

    select
        *,
        sum(population) over (
            partition by code_territoire, categorie_service
            order by distance_km, code_commune
            rows between unbounded preceding and current row
        ) as population_cumulee,
        sum(population) over (partition by code_territoire, categorie_service) as population_totale
    from communes_mesurees

),

agreges as (

    select
        code_territoire,
        niveau,
        categorie_service,
        any_value(libelle_categorie) as libelle_categorie,
        count(*) as nb_communes_mesurees,
        sum(population) as population,
        sum(population) filter (where distance_km > 5) as population_plus_5_km,
        sum(population) filter (where distance_km > 10) as population_plus_10_km,
        sum(population) filter (where distance_km > 20) as population_plus_20_km,
        min(distance_km) filter (where 2 * population_cumulee >= population_totale) as distance_mediane_km,
        max(distance_km) as distance_max_km,
        bool_or(est_demonstration) as est_demonstration
    from cumuls
    group by code_territoire, niveau, categorie_service

),

final as (

    select
        agreges.code_territoire,
        agreges.niveau,
        territoires.libelle as libelle_territoire,
        agreges.categorie_service,
        agreges.libelle_categorie,
        agreges.population::bigint as population,
        coalesce(agreges.population_plus_5_km, 0)::bigint as population_plus_5_km,
        coalesce(agreges.population_plus_10_km, 0)::bigint as population_plus_10_km,
        coalesce(agreges.population_plus_20_km, 0)::bigint as population_plus_20_km,
        100.0 * coalesce(agreges.population_plus_5_km, 0) / nullif(agreges.population, 0)
            as part_population_plus_5_km,
        100.0 * coalesce(agreges.population_plus_10_km, 0) / nullif(agreges.population, 0)
            as part_population_plus_10_km,
        100.0 * coalesce(agreges.population_plus_20_km, 0) / nullif(agreges.population, 0)
            as part_population_plus_20_km,
        agreges.distance_mediane_km,
        agreges.distance_max_km,
        agreges.nb_communes_mesurees::bigint as nb_communes,
        agreges.est_demonstration
    from agreges
    inner join territoires_complets
        on
            agreges.code_territoire = territoires_complets.code_territoire
            and agreges.nb_communes_mesurees = territoires_complets.nb_communes
    inner join territoires on agreges.code_territoire = territoires.code_territoire

)

select * from final
