-- Commune measures of vintages published for one région only (seed millesimes_regionaux), kept when the setting
-- says they show: var millesimes_regionaux 'oui', or 'auto' (default) and the configured département lies in the
-- région the vintage covers; 'non' keeps none. Codes stay those of the source (mapped in int_mesures_communes_unioned).
with

compilation as (

    select * from {{ ref('stg_compilations__populations_occitanie') }}

),

millesimes as (

    select * from {{ ref('millesimes_regionaux') }}

),

departements as (

    select * from {{ ref('stg_insee__departements') }}

),

unioned as (

    select
        code_commune,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        'compilation_populations_occitanie' as source
    from compilation

),

millesimes_affiches as (

    select millesimes.*
    from millesimes
    left join departements
        on
            millesimes.code_region = departements.code_region
            and departements.code_departement = '{{ var("departement") }}'
    where
        '{{ var("millesimes_regionaux") }}' = 'oui'
        or ('{{ var("millesimes_regionaux") }}' = 'auto' and departements.code_departement is not null)

),

final as (

    select unioned.*
    from unioned
    inner join millesimes_affiches
        on
            unioned.source = millesimes_affiches.source
            and unioned.code_mesure = millesimes_affiches.code_mesure
            and unioned.annee = millesimes_affiches.annee

)

select * from final
