-- Denormalised fct_offre_territoire for dashboards: labels of the territory and of the nomenclature.
with

faits as (

    select * from {{ ref('fct_offre_territoire') }}

),

actions as (

    select * from {{ ref('dim_action') }}

),

institutions as (

    select * from {{ ref('dim_institution') }}

),

publics as (

    select * from {{ ref('dim_public') }}

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

final as (

    select
        faits.code_territoire,
        territoires.niveau,
        territoires.libelle as libelle_territoire,
        case when territoires.niveau = 'epci' then territoires.libelle end as libelle_epci,
        faits.mode_comptage,
        faits.code_politique,
        actions.libelle_politique,
        faits.code_mission,
        actions.libelle_mission,
        faits.code_action,
        actions.libelle_action,
        faits.code_institution,
        institutions.libelle_institution,
        faits.code_public,
        publics.libelle_public,
        faits.nb_offres,
        faits.nb_offres_avec_capacite,
        faits.capacite,
        faits.est_demonstration,
        case when faits.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee
    from faits
    inner join territoires on faits.code_territoire = territoires.code_territoire
    inner join actions on faits.code_action = actions.code_action
    inner join institutions on faits.code_institution = institutions.code_institution
    inner join publics on faits.code_public = publics.code_public

)

select * from final
