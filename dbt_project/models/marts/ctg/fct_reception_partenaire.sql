-- Every file received from a partner, accepted or refused, with the reasons of a refusal.
with

receptions as (

    select * from {{ ref('stg_partenaires__receptions') }}

),

final as (

    select
        row_number() over (
            order by receptions.recu_le, receptions.partenaire, receptions.fichier, receptions.sha256_fichier
        ) as id_reception,
        receptions.partenaire,
        coalesce(receptions.type_fichier, 'non reconnu') as type_fichier,
        receptions.fichier,
        receptions.recu_le,
        receptions.statut,
        case receptions.statut when 'accepted' then 'accepté' else 'refusé' end as statut_libelle,
        receptions.lignes,
        receptions.periodes,
        receptions.version,
        receptions.nb_erreurs,
        receptions.motifs,
        receptions.rapport,
        receptions.sha256_fichier,
        receptions.est_demonstration,
        case when receptions.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee
    from receptions

)

select * from final
