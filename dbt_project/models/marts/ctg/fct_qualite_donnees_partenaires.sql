-- Data quality per partner and kind of file (source): last file received and its status, files accepted and
-- refused with the reasons of the last refusal, rows now in the warehouse, completeness of optional fields.
with

receptions as (

    select * from {{ ref('fct_reception_partenaire') }}

),

completude as (

    select * from {{ ref('int_partenaires_completude_measured') }}

),

par_source as (

    select
        partenaire,
        type_fichier,
        max(recu_le) as dernier_recu_le,
        arg_max(fichier, recu_le) as dernier_fichier,
        arg_max(statut_libelle, recu_le) as dernier_statut,
        max(recu_le) filter (where statut = 'accepted') as dernier_accepte_le,
        arg_max(fichier, recu_le) filter (where statut = 'accepted') as dernier_fichier_accepte,
        count(*) filter (where statut = 'accepted') as nb_fichiers_acceptes,
        count(*) filter (where statut = 'refused') as nb_fichiers_refuses,
        arg_max(motifs, recu_le) filter (where statut = 'refused') as motifs_dernier_refus,
        bool_or(est_demonstration) as est_demonstration
    from receptions
    group by partenaire, type_fichier

),

final as (

    select
        par_source.partenaire || '|' || par_source.type_fichier as id_source,
        par_source.partenaire,
        par_source.type_fichier,
        par_source.dernier_recu_le,
        par_source.dernier_fichier,
        par_source.dernier_statut,
        par_source.dernier_accepte_le,
        par_source.dernier_fichier_accepte,
        par_source.nb_fichiers_acceptes,
        par_source.nb_fichiers_refuses,
        par_source.motifs_dernier_refus,
        coalesce(completude.lignes, 0) as lignes_en_base,
        completude.taux_completude,
        par_source.est_demonstration,
        case when par_source.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee
    from par_source
    left join completude
        on par_source.partenaire = completude.partenaire and par_source.type_fichier = completude.type_fichier

)

select * from final
