with source as (

    select * from {{ source('partenaires', 'partenaires_actions_ctg') }}

),

final as (

    select
        partenaire::varchar as partenaire,
        code_action::varchar as code_action,
        axe::varchar as axe,
        intitule::varchar as intitule,
        pilote::varchar as pilote,
        partenaires::varchar as partenaires_associes,
        statut::varchar as statut,
        date_debut::date as date_debut,
        date_echeance::date as date_echeance,
        budget::double as budget,
        indicateur_lie::varchar as indicateur_lie,
        valeur_reference::double as valeur_reference,
        cible::double as cible,
        derniere_valeur::double as derniere_valeur,
        date_derniere_valeur::date as date_derniere_valeur,
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
