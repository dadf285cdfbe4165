-- The CTG action plan as it stands: one row per partner x action, with the late flag judged against the
-- run date (macro date_reference) and the progress towards the target.
-- Territory: the contract has no territory column; an action belongs to the convention of the partner who
-- sends the sheet: a CCAS (CCAS-<commune>) its commune, a CIAS (CIAS-<SIREN>) its EPCI, every other partner
-- (Département, CAF, MSA, CPAM, UDCCAS) the configured département.
with

actions as (

    select * from {{ ref('stg_partenaires__actions_ctg') }}

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

reference as (

    select {{ date_reference() }} as date_reference

),

located as (

    select
        actions.*,
        reference.date_reference,
        case
            when actions.partenaire like 'CCAS-%' then 'COM-' || split_part(actions.partenaire, '-', 2)
            when actions.partenaire like 'CIAS-%' then 'EPCI-' || split_part(actions.partenaire, '-', 2)
            else 'DEP-' || '{{ var("departement") }}'
        end as code_territoire
    from actions
    cross join reference

),

final as (

    select
        located.partenaire || '|' || located.code_action as id_action,
        located.partenaire,
        located.code_territoire,
        territoires.libelle as libelle_territoire,
        located.axe,
        located.code_action,
        located.intitule,
        located.pilote,
        located.partenaires_associes,
        located.statut,
        located.date_debut,
        located.date_echeance,
        located.statut not in ('réalisée', 'abandonnée')
        and located.date_echeance < located.date_reference as est_en_retard,
        case
            when located.statut not in ('réalisée', 'abandonnée') and located.date_echeance < located.date_reference
                then (located.date_reference - located.date_echeance)::integer
            else 0
        end as jours_de_retard,
        located.budget,
        located.indicateur_lie,
        located.valeur_reference,
        located.cible,
        located.derniere_valeur,
        located.date_derniere_valeur,
        case
            when located.cible is null or located.valeur_reference is null or located.derniere_valeur is null then null
            when located.cible = located.valeur_reference then null
            else (located.derniere_valeur - located.valeur_reference) / (located.cible - located.valeur_reference)
        end as taux_atteinte_cible,
        located.date_reference,
        located.commentaire,
        located.fichier,
        located.version,
        located.recu_le,
        located.est_demonstration,
        case when located.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee
    from located
    left join territoires on located.code_territoire = territoires.code_territoire

)

select * from final
