-- Partners' "qui fait quoi" rows (kind referentiel_offre), their free-text action, institution and public
-- mapped through offre_correspondance_libelles (compared lower-cased, without accents); NC codes when unmapped.
with

partenaires as (

    select * from {{ ref('stg_offre_partenaires__referentiel') }}

),

libelles as (

    select * from {{ ref('offre_correspondance_libelles') }}

),

partenaires_normalises as (

    select
        *,
        lower(strip_accents(trim(regexp_replace(action, '[’`]', '''', 'g')))) as action_normalisee,
        lower(strip_accents(trim(regexp_replace(institution, '[’`]', '''', 'g')))) as institution_normalisee,
        lower(strip_accents(trim(regexp_replace(public, '[’`]', '''', 'g')))) as public_normalise
    from partenaires

),

final as (

    select
        'PART-' || partenaires_normalises.partenaire || '-' || left(partenaires_normalises.sha256_fichier, 8)
        || '-' || partenaires_normalises.ligne::varchar as code_offre,
        'Partenaire ' || partenaires_normalises.partenaire as source,
        partenaires_normalises.action as libelle_offre,
        partenaires_normalises.institution as gestionnaire,
        partenaires_normalises.action as categorie_source,
        partenaires_normalises.mission as libelle_categorie_source,
        {{ offre_classement('actions.code', 'institutions.code', 'publics.code') }},
        case
            when partenaires_normalises.niveau_territoire = 'commune'
                then substr(partenaires_normalises.cle_territoire, 5)
        end as code_commune_implantation,
        partenaires_normalises.cle_territoire as cle_zone_desservie,
        partenaires_normalises.niveau_territoire as niveau_zone_desservie,
        partenaires_normalises.capacite,
        partenaires_normalises.contact_structure,
        partenaires_normalises.public as public_source,
        partenaires_normalises.est_demonstration
    from partenaires_normalises
    left join libelles as actions
        on actions.dimension = 'action' and partenaires_normalises.action_normalisee = actions.libelle_normalise
    left join libelles as institutions
        on
            institutions.dimension = 'institution'
            and partenaires_normalises.institution_normalisee = institutions.libelle_normalise
    left join libelles as publics
        on publics.dimension = 'public' and partenaires_normalises.public_normalise = publics.libelle_normalise

)

select * from final
