-- Every version of every CTG action, from the dbt snapshot snp_actions_ctg (history kept across builds in
-- $OBS_VAR_DIR/history, see observatoire/dbt_build.py): valid from / to, current version flagged.
with

versions as (

    select * from {{ ref('snp_actions_ctg') }}

),

final as (

    select
        dbt_scd_id as id_version,
        partenaire || '|' || code_action as id_action,
        partenaire,
        axe,
        code_action,
        intitule,
        pilote,
        statut,
        date_debut,
        date_echeance,
        budget,
        cible,
        derniere_valeur,
        fichier,
        version,
        est_demonstration,
        dbt_valid_from as valide_du,
        dbt_valid_to as valide_au,
        dbt_valid_to is null as est_version_courante
    from versions

)

select * from final
