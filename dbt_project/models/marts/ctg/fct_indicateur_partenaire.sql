-- Partner and ABS indicators at the grain of fct_indicateur_territoire (indicator x territory x year), with
-- the same columns first, plus the partner, the file, the period and the labels (detail for the CTG and
-- data-quality dashboards). The same rows (same code, values and source) are published in
-- fct_indicateur_territoire, with their catalog entry in dim_indicateur: a partner's value is published as
-- sent for the territory it names (never summed to other levels: a partner file is not exhaustive) and its
-- code belongs to the partner: code_indicateur = '<partner>__<partner's code>'.
with

indicateurs as (

    select * from {{ ref('int_indicateurs_partenaires_unioned') }}

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

final as (

    select
        indicateurs.code_indicateur,
        indicateurs.code_territoire,
        indicateurs.annee::integer as annee,
        indicateurs.numerateur,
        indicateurs.denominateur,
        indicateurs.valeur,
        indicateurs.est_demonstration,
        indicateurs.source,
        1 as nb_unites,
        0 as nb_unites_masquees,
        indicateurs.partenaire,
        indicateurs.type_fichier,
        indicateurs.ccas,
        indicateurs.code_indicateur_partenaire,
        indicateurs.libelle_indicateur,
        indicateurs.unite,
        indicateurs.periode,
        territoires.niveau,
        territoires.libelle as libelle_territoire,
        indicateurs.code_territoire_recu,
        indicateurs.fichier,
        indicateurs.sha256_fichier,
        indicateurs.version,
        indicateurs.recu_le,
        case when indicateurs.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee
    from indicateurs
    inner join territoires on indicateurs.code_territoire = territoires.code_territoire

)

select * from final
