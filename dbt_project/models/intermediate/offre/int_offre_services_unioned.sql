-- Every offer (FINESS établissement in the social field, partner's "qui fait quoi" row) with its nomenclature
-- codes and its zone served. Unmapped categories and labels take the 'non classé' codes (NC...), never dropped;
-- FINESS categories the crosswalk marks as outside the social field (hospitals, pharmacies...) are left out
-- here and listed in marts.offre_correspondances_manquantes.
with

finess as (

    select * from {{ ref('stg_finess__etablissements') }}

),

partenaires as (

    select * from {{ ref('stg_offre_partenaires__referentiel') }}

),

correspondance_finess as (

    select * from {{ ref('offre_correspondance_finess') }}

),

libelles as (

    select * from {{ ref('offre_correspondance_libelles') }}

),

communes as (

    select * from {{ ref('int_communes_located') }}

),

codes as (

    select * from {{ ref('int_communes_codes_mapped') }}

),

finess_located as (

    select
        finess.*,
        communes.code_commune as code_commune_courant,
        communes.code_epci,
        communes.code_departement,
        correspondance_finess.libelle_categorie as libelle_categorie_nomenclature,
        correspondance_finess.dans_champ,
        correspondance_finess.code_action,
        correspondance_finess.code_public,
        correspondance_finess.code_institution,
        correspondance_finess.niveau_zone_desservie
    from finess
    left join codes on finess.code_commune = codes.code_source
    left join communes on codes.code_commune = communes.code_commune
    left join correspondance_finess on finess.categorie_finess = correspondance_finess.categorie_finess
    where communes.est_dans_perimetre

),

finess_offres as (

    select
        'FINESS-' || nofinesset as code_offre,
        'FINESS' as source,
        raison_sociale as libelle_offre,
        'FINESS ' || nofinessej as gestionnaire,
        categorie_finess as categorie_source,
        coalesce(libelle_categorie, libelle_categorie_nomenclature) as libelle_categorie_source,
        code_action is not null as est_classe,
        coalesce(code_action, 'NC-NC-NC') as code_action,
        coalesce(code_institution, 'NC') as code_institution,
        coalesce(code_public, 'NC') as code_public,
        code_commune_courant as code_commune_implantation,
        case coalesce(niveau_zone_desservie, 'commune')
            when 'epci' then coalesce('EPCI-' || code_epci, 'COM-' || code_commune_courant)
            when 'departement' then 'DEP-' || code_departement
            else 'COM-' || code_commune_courant
        end as cle_zone_desservie,
        case
            when niveau_zone_desservie = 'epci' and code_epci is null then 'commune'
            else coalesce(niveau_zone_desservie, 'commune')
        end as niveau_zone_desservie,
        capacite_installee::double as capacite,
        null::varchar as contact_structure,
        categorie_finess as public_source,
        est_demonstration
    from finess_located
    where dans_champ is distinct from false

),

partenaires_normalises as (

    select
        *,
        lower(strip_accents(trim(regexp_replace(action, '[’`]', '''', 'g')))) as action_normalisee,
        lower(strip_accents(trim(regexp_replace(institution, '[’`]', '''', 'g')))) as institution_normalisee,
        lower(strip_accents(trim(regexp_replace(public, '[’`]', '''', 'g')))) as public_normalise
    from partenaires

),

partenaires_offres as (

    select
        'PART-' || partenaires_normalises.partenaire || '-' || left(partenaires_normalises.sha256_fichier, 8)
        || '-' || partenaires_normalises.ligne::varchar as code_offre,
        'Partenaire ' || partenaires_normalises.partenaire as source,
        partenaires_normalises.action as libelle_offre,
        partenaires_normalises.institution as gestionnaire,
        partenaires_normalises.action as categorie_source,
        partenaires_normalises.mission as libelle_categorie_source,
        actions.code is not null as est_classe,
        coalesce(actions.code, 'NC-NC-NC') as code_action,
        coalesce(institutions.code, 'NC') as code_institution,
        coalesce(publics.code, 'NC') as code_public,
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

),

final as (

    select * from finess_offres
    union all
    select * from partenaires_offres

)

select * from final
