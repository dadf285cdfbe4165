-- Partner and ABS indicators in one table, one row per partner x indicator x territory x year.
-- A year sent both as a whole year (2024) and as months (2024-06) keeps the year; months alone keep the
-- latest month of the year (the fact's grain is the year, as in fct_indicateur_territoire). `source` names the
-- partner, the file and its checksum, as published in fct_indicateur_territoire and fct_indicateur_partenaire.
with

partenaires as (

    select
        *,
        'indicateurs_partenaire' as type_fichier,
        cast(null as varchar) as ccas
    from {{ ref('stg_partenaires__indicateurs_partenaire') }}

),

abs as (

    select
        *,
        'indicateurs_abs' as type_fichier
    from {{ ref('stg_partenaires__indicateurs_abs') }}

),

unioned as (

    select * from partenaires
    union all by name
    select * from abs

),

ranked as (

    select
        *,
        row_number() over (
            partition by partenaire, code_indicateur, code_territoire, annee
            order by length(periode) asc, periode desc
        ) as rang_periode
    from unioned

),

final as (

    select
        partenaire,
        type_fichier,
        ccas,
        code_indicateur as code_indicateur_partenaire,
        lower(partenaire) || '__' || code_indicateur as code_indicateur,
        libelle_indicateur,
        unite,
        niveau_territoire,
        code_territoire,
        code_territoire_recu,
        annee,
        periode,
        valeur,
        numerateur,
        denominateur,
        commentaire,
        fichier,
        sha256_fichier,
        recu_le,
        version,
        est_demonstration,
        'partenaire ' || partenaire || ' — ' || fichier
        || ' (sha256 ' || left(sha256_fichier, 12) || ', version ' || version || ')' as source
    from ranked
    where rang_periode = 1

)

select * from final
