with source as (

    select * from {{ source('drees', 'drees_aide_sociale_departement') }}

),

final as (

    select
        jeu::varchar as jeu,
        feuille::varchar as feuille,
        titre::varchar as titre,
        sous_entete::varchar as sous_entete,
        code_departement::varchar as code_departement,
        annee::integer as annee,
        valeur::double as valeur,
        _sha256::varchar as sha256_fichier
    from source

)

select * from final
