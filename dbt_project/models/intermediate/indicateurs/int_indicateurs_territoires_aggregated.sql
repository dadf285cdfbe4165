-- Indicators aggregated from their finest units to every territory of the perimeter: numerators and
-- denominators are SUMMED (the ratio is computed afterwards from the sums, never averaged).
-- A unit whose value is secret or blurred (null numerator, or null denominator for a ratio) is left out of
-- BOTH sums, so a ratio is computed on the units where it is known and is never biased towards 0; how many
-- units were left out is kept (nb_unites_masquees) so dashboards can say the value is partial.
-- A count (no denominator) is a plain sum: it is null as soon as one unit is masked (a partial count would be
-- shown as a figure that is too low).
-- A vintage published for one région only (seed millesimes_regionaux) is kept only for territories it covers
-- whole: every commune of the territory has a row (so never France, nor an EPCI reaching beyond the région).
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

millesimes_regionaux as (

    select distinct
        source,
        annee
    from {{ ref('millesimes_regionaux') }}

),

incomplets as (

    -- offer-based indicators are not published where the offer file does not cover every commune
    select * from {{ ref('int_besoins_territoires_incomplets') }}

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

communes_par_territoire as (

    select
        code_territoire,
        count(*) as nb_communes
    from communes_territoires
    group by code_territoire

),

rattachees as (

    select
        unites.*,
        ponts.code_territoire,
        millesimes_regionaux.source is not null as est_millesime_regional,
        unites.numerateur is not null
        and (not unites.a_denominateur or unites.denominateur is not null) as connue
    from unites
    inner join ponts
        on
            unites.niveau_unite = ponts.niveau_unite
            and unites.code_unite = ponts.code_unite
    left join incomplets
        on
            unites.code_indicateur = incomplets.code_indicateur
            and ponts.code_territoire = incomplets.code_territoire
    left join millesimes_regionaux
        on
            list_contains(string_split(unites.source, ' / '), millesimes_regionaux.source)
            and unites.annee = millesimes_regionaux.annee
    where incomplets.code_territoire is null

),

aggregated as (

    select
        code_indicateur,
        code_territoire,
        annee,
        case
            when bool_and(a_denominateur) or bool_and(connue) then sum(numerateur) filter (where connue)
        end as numerateur,
        case when bool_and(a_denominateur) then sum(denominateur) filter (where connue) end as denominateur,
        count(*) filter (where not connue) as nb_unites_masquees,
        bool_or(est_demonstration) as est_demonstration,
        -- the sources, distinct and sorted: the same text as string_agg(distinct … order by …), whose per-group
        -- sort took 7 s of 10 over the ~6 M national rows
        array_to_string(list_sort(list_distinct(list(source))), ' / ') as source,
        count(*) as nb_unites,
        bool_or(est_millesime_regional) as est_millesime_regional
    from rattachees
    group by code_indicateur, code_territoire, annee

),

couverts as (

    -- a regional vintage only where every commune of the territory has a row
    select aggregated.*
    from aggregated
    left join communes_par_territoire on aggregated.code_territoire = communes_par_territoire.code_territoire
    where not aggregated.est_millesime_regional or aggregated.nb_unites = communes_par_territoire.nb_communes

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
        nb_unites,
        nb_unites_masquees
    from couverts

)

select * from final
