-- Non-additive indicators (seed regle_agregation = 'publiee': a median, a rate whose counts are secret), one row
-- per indicator x territory x year, AS PUBLISHED by the source and only where the source publishes them: never
-- summed nor averaged from communes. Offline the Filosofi files hold communes only; online INSEE's archives also
-- hold EPCI, départements and régions, taken as they are.
-- Communes: the file's code (COG 2021 or 2023) is mapped to today's commune only when exactly one published code
-- lands on it (a commune merged since then has no published value for its new territory); arrondissements are
-- left out (Paris, Lyon, Marseille are published as communes too).
-- A masked cell (statut 'secret' or 'non_disponible') is kept, with a null valeur: shown as such, never filled.
with

indicateurs as (

    select * from {{ ref('indicateurs') }}
    where regle_agregation = 'publiee'

),

filosofi as (

    select * from {{ ref('stg_insee__filosofi_mesures') }}

),

codes as (

    select * from {{ ref('int_communes_codes_mapped') }}

),

territoires as (

    select * from {{ ref('int_territoires_unioned') }}

),

publiees as (

    select
        indicateurs.code_indicateur,
        filosofi.niveau,
        filosofi.code_geo,
        filosofi.annee,
        filosofi.valeur,
        filosofi.statut,
        filosofi.est_demonstration,
        'insee_filosofi_communes' as source
    from indicateurs
    inner join filosofi on indicateurs.code_mesure_numerateur = filosofi.code_mesure

),

communes_mappees as (

    select
        publiees.*,
        'COM-' || codes.code_commune as code_territoire,
        count(*) over (
            partition by publiees.code_indicateur, publiees.annee, codes.code_commune
        ) as nb_codes_publies
    from publiees
    inner join codes on publiees.code_geo = codes.code_source
    where publiees.niveau = 'commune' and codes.type_code <> 'ARM'

),

unioned as (

    select
        code_indicateur,
        code_territoire,
        annee,
        valeur,
        statut,
        est_demonstration,
        source
    from communes_mappees
    where nb_codes_publies = 1

    union all

    select
        code_indicateur,
        case niveau
            when 'epci' then 'EPCI-' || code_geo
            when 'departement' then 'DEP-' || code_geo
            when 'region' then 'REG-' || code_geo
        end as code_territoire,
        annee,
        valeur,
        statut,
        est_demonstration,
        source
    from publiees
    where niveau <> 'commune'

),

final as (

    select unioned.*
    from unioned
    inner join territoires on unioned.code_territoire = territoires.code_territoire

)

select * from final
