with source as (

    select * from {{ source('finess', 'finess_etablissements') }}

),

final as (

    select
        nofinesset::varchar as nofinesset,
        nofinessej::varchar as nofinessej,
        raison_sociale::varchar as raison_sociale,
        code_commune::varchar as code_commune,
        categorie::varchar as categorie_finess,
        libelle_categorie::varchar as libelle_categorie,
        siret::varchar as siret,
        coord_x::double as coord_x,
        coord_y::double as coord_y,
        systeme_coordonnees::varchar as systeme_coordonnees,
        capacite_installee::bigint as capacite_installee,
        capacite_autorisee::bigint as capacite_autorisee,
        format_source::varchar as format_source,
        est_demonstration::boolean as est_demonstration,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
