-- Priorities raised by local thematic forums: one row per partner x territory x theme x rank x forum date.
with

priorites as (

    select * from {{ ref('stg_partenaires__priorites_forum') }}

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

final as (

    select
        md5(
            priorites.partenaire || '|' || priorites.code_territoire || '|' || priorites.theme || '|'
            || priorites.rang || '|' || priorites.date_forum
        ) as id_priorite,
        priorites.code_territoire,
        territoires.niveau,
        territoires.libelle as libelle_territoire,
        priorites.theme,
        priorites.priorite,
        priorites.rang,
        priorites.type_expertise,
        priorites.date_forum,
        year(priorites.date_forum)::integer as annee_forum,
        priorites.commentaire,
        priorites.partenaire,
        priorites.fichier,
        priorites.version,
        priorites.est_demonstration,
        case when priorites.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee
    from priorites
    inner join territoires on priorites.code_territoire = territoires.code_territoire

)

select * from final
