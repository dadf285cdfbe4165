-- Denormalised list of the offer for dashboards: who runs what, for whom, where.
with

offres as (

    select * from {{ ref('fct_offre') }}

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
        offres.code_offre,
        offres.source,
        offres.libelle_offre,
        offres.gestionnaire,
        offres.categorie_source,
        offres.libelle_categorie_source,
        actions.code_politique,
        actions.libelle_politique,
        actions.code_mission,
        actions.libelle_mission,
        offres.code_action,
        actions.libelle_action,
        offres.code_institution,
        institutions.libelle_institution,
        offres.code_public,
        publics.libelle_public,
        offres.code_commune_implantation,
        commune.libelle as libelle_commune,
        coalesce(commune.code_epci, case when zone.niveau = 'epci' then zone.code end) as code_epci,
        coalesce(epci.libelle, case when zone.niveau = 'epci' then zone.libelle end) as libelle_epci,
        coalesce(territoire_action.libelle, case when zone.niveau = 'territoire_action' then zone.libelle end)
            as libelle_territoire_action,
        offres.niveau_zone_desservie,
        offres.code_territoire_desservi,
        zone.libelle as libelle_zone_desservie,
        offres.capacite,
        offres.contact_structure,
        offres.est_classe,
        offres.est_demonstration,
        case when offres.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee
    from offres
    inner join actions on offres.code_action = actions.code_action
    inner join institutions on offres.code_institution = institutions.code_institution
    inner join publics on offres.code_public = publics.code_public
    left join territoires as commune on offres.code_territoire_implantation = commune.code_territoire
    left join territoires as epci on 'EPCI-' || commune.code_epci = epci.code_territoire
    left join territoires as territoire_action
        on 'TER-' || commune.code_territoire_action = territoire_action.code_territoire
    left join territoires as zone on offres.code_territoire_desservi = zone.code_territoire

)

select * from final
