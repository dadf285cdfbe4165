-- Commune-level additive measures in long form, all sources together, on the current COG geography.
-- Codes are mapped through int_communes_codes_mapped (arrondissements -> their commune, retired codes ->
-- the commune that absorbed them) and summed. A sum is null as soon as one summed value is null
-- (secret / blurred): an unknown part never counts as 0.
-- Real data wins: a demonstration measure is dropped (every year) as soon as a real source lands the same measure
-- code, and when two real sources land the same (commune, year, measure) the first of the source priority below is
-- kept (populations légales, then the Comparateur, then the census API).
with

populations as (

    select * from {{ ref('stg_insee__populations_legales') }}

),

rp as (

    select * from {{ ref('stg_insee__rp_mesures') }}

),

comparateur as (

    select * from {{ ref('int_mesures_comparateur_derived') }}

),

filosofi as (

    select * from {{ ref('stg_insee__filosofi_mesures') }}

),

mesures_publiees as (

    -- measures of 'publiee' indicators (a median, a published rate) are never summed: they take the
    -- int_indicateurs_publies_selected path, never this one
    select code_mesure_numerateur as code_mesure
    from {{ ref('indicateurs') }}
    where regle_agregation = 'publiee'

),

caf as (

    select * from {{ ref('stg_caf__allocataires_mesures') }}

),

regionales as (

    -- vintages published for one région only, when the setting shows them (seed millesimes_regionaux)
    select * from {{ ref('int_mesures_regionales_selected') }}

),

offre as (

    -- offer capacities / counts located in each commune (coverage ratios, intermediate/besoins)
    select * from {{ ref('int_besoins_offre_mesures_communes') }}

),

codes as (

    select * from {{ ref('int_communes_codes_mapped') }}

),

filosofi_additives as (

    select
        code_geo as code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration
    from filosofi
    where
        niveau = 'commune'
        and code_mesure not in (select mesures_publiees.code_mesure from mesures_publiees)

),

populations_long as (

    select
        populations.code_commune,
        populations.annee,
        mesures.code_mesure,
        case mesures.code_mesure
            when 'population_municipale' then populations.population_municipale
            when 'population_comptee_a_part' then populations.population_comptee_a_part
            when 'population_totale' then populations.population_totale
        end::double as valeur,
        false as est_demonstration,
        'insee_populations_legales' as source
    from populations
    cross join (
        values ('population_municipale'), ('population_comptee_a_part'), ('population_totale')
    ) as mesures (code_mesure)

),

unioned as (

    select * from populations_long

    union all

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        'insee_rp_communes' as source
    from rp

    union all

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        'insee_comparateur_communes' as source
    from comparateur

    union all

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        'insee_filosofi_communes' as source
    from filosofi_additives

    union all

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        'caf_allocataires_communes' as source
    from caf

    union all

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        source
    from offre

    union all

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        source
    from regionales

),

mapped as (

    select
        codes.code_commune,
        codes.type_code,
        unioned.code_commune as code_source,
        unioned.annee,
        unioned.code_mesure,
        -- exact from here on: summed below and up to France (macros/mesure_exacte.sql)
        {{ mesure_exacte('unioned.valeur') }} as valeur,
        unioned.est_demonstration,
        unioned.source
    from unioned
    inner join codes on unioned.code_commune = codes.code_source

),

communes_publiees as (

    -- (source, year, measure, commune) published under the commune's own code, for the communes that have
    -- arrondissements only (the others have no ARM row to drop): a few thousand rows instead of ~1.5 M
    select distinct
        source,
        annee,
        code_mesure,
        code_commune
    from mapped
    where
        type_code = 'COM'
        and code_commune in (
            select codes.code_commune
            from codes
            where codes.type_code = 'ARM'
        )

),

deduplicated as (

    -- when a source publishes both a commune and its arrondissements, keep the commune only
    select mapped.*
    from mapped
    left join communes_publiees
        on
            mapped.source = communes_publiees.source
            and mapped.annee = communes_publiees.annee
            and mapped.code_mesure = communes_publiees.code_mesure
            and mapped.code_commune = communes_publiees.code_commune
    where mapped.type_code <> 'ARM' or communes_publiees.code_commune is null

),

communes_fusionnees as (

    -- current communes reached from more than one source code (mergers, arrondissements): only their rows can
    -- have several rows per (source, year, measure) to sum; every other row is already one value (the sources'
    -- primary keys)
    select code_commune
    from codes
    group by code_commune
    having count(*) > 1

),

summed as (

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        source
    from deduplicated
    where code_commune not in (select communes_fusionnees.code_commune from communes_fusionnees)

    union all

    select
        code_commune,
        annee,
        code_mesure,
        case when count(valeur) = count(*) then sum(valeur) end as valeur,
        bool_or(est_demonstration) as est_demonstration,
        source
    from deduplicated
    where code_commune in (select communes_fusionnees.code_commune from communes_fusionnees)
    group by code_commune, annee, code_mesure, source

),

mesures_reelles as (

    select distinct code_mesure
    from summed
    where not est_demonstration

),

retenues as (

    select summed.*
    from summed
    left join mesures_reelles on summed.code_mesure = mesures_reelles.code_mesure
    where not summed.est_demonstration or mesures_reelles.code_mesure is null

),

concurrentes as (

    -- (measure, year) landed by more than one source: only there does the priority below choose
    select
        code_mesure,
        annee
    from retenues
    group by code_mesure, annee
    having count(distinct source) > 1

),

uniques as (

    select retenues.*
    from retenues
    anti join concurrentes
        on
            retenues.code_mesure = concurrentes.code_mesure
            and retenues.annee = concurrentes.annee

),

choisies as (

    select retenues.*
    from retenues
    semi join concurrentes
        on
            retenues.code_mesure = concurrentes.code_mesure
            and retenues.annee = concurrentes.annee
    qualify row_number() over (
        partition by retenues.code_commune, retenues.annee, retenues.code_mesure
        order by
            retenues.est_demonstration asc,
            case retenues.source
                when 'insee_populations_legales' then 1
                when 'insee_comparateur_communes' then 2
                when 'insee_rp_communes' then 3
                else 4
            end asc,
            retenues.source asc
    ) = 1

),

final as (

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        source
    from uniques

    union all

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        source
    from choisies

)

select * from final
