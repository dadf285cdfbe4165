with source as (

    select * from {{ source('partenaires', 'partenaires_indicateurs_abs') }}

),

final as (

    select
        partenaire::varchar as partenaire,
        ccas::varchar as ccas,
        niveau_territoire::varchar as niveau_territoire,
        code_territoire_recu::varchar as code_territoire_recu,
        cle_territoire::varchar as code_territoire,
        code_indicateur::varchar as code_indicateur,
        libelle_indicateur::varchar as libelle_indicateur,
        periode::varchar as periode,
        annee::integer as annee,
        valeur::double as valeur,
        unite::varchar as unite,
        numerateur::double as numerateur,
        denominateur::double as denominateur,
        commentaire::varchar as commentaire,
        fichier::varchar as fichier,
        _sha256::varchar as sha256_fichier,
        recu_le::timestamptz as recu_le,
        version::integer as version,
        est_demonstration::boolean as est_demonstration,
        _ligne::integer as ligne_fichier
    from source

)

select * from final
