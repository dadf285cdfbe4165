-- A non-additive indicator (seed regle_agregation = 'publiee') has a value in the published facts only where the
-- source itself publishes one, equal to it: same level, same code (communes through the COG mapping), same year,
-- a cell not masked. Any other value (an EPCI, département, région or France computed from communes, a secret
-- cell filled, an average) is returned as a failure.
with

indicateurs as (

    select * from {{ ref('indicateurs') }}
    where regle_agregation = 'publiee'

),

faits as (

    select * from {{ ref('fct_indicateur_territoire') }}

),

filosofi as (

    select * from {{ ref('stg_insee__filosofi_mesures') }}

),

codes as (

    select * from {{ ref('int_communes_codes_mapped') }}

),

communes_publiees as (

    select
        filosofi.code_mesure,
        filosofi.annee,
        filosofi.valeur,
        'COM-' || codes.code_commune as code_territoire
    from filosofi
    inner join codes on filosofi.code_geo = codes.code_source
    where filosofi.niveau = 'commune' and filosofi.statut = 'diffuse'

),

autres_publiees as (

    select
        code_mesure,
        annee,
        valeur,
        case niveau
            when 'epci' then 'EPCI-' || code_geo
            when 'departement' then 'DEP-' || code_geo
            when 'region' then 'REG-' || code_geo
        end as code_territoire
    from filosofi
    where niveau <> 'commune' and statut = 'diffuse'

),

sources_publiees as (

    select * from communes_publiees
    union all
    select * from autres_publiees

),

final as (

    select
        faits.code_indicateur,
        faits.code_territoire,
        faits.annee,
        faits.valeur
    from faits
    inner join indicateurs on faits.code_indicateur = indicateurs.code_indicateur
    left join sources_publiees
        on
            indicateurs.code_mesure_numerateur = sources_publiees.code_mesure
            and faits.code_territoire = sources_publiees.code_territoire
            and faits.annee = sources_publiees.annee
            and faits.valeur = sources_publiees.valeur
    where faits.valeur is not null and sources_publiees.code_territoire is null

)

select * from final
