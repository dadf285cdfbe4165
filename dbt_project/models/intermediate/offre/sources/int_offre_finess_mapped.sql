-- FINESS établissements of the social field located in the perimeter, mapped to the offer nomenclature
-- (offre_correspondance_finess): NC codes when the category is unmapped; categories the crosswalk marks
-- outside the social field (hospitals, pharmacies…) are left out here and listed in
-- marts.offre_correspondances_manquantes.
-- One mapping model per offer source, then int_offre_services_unioned (the pattern of data·inclusion's pipeline).
with

finess as (

    select * from {{ ref('stg_finess__etablissements') }}

),

correspondance_finess as (

    select * from {{ ref('offre_correspondance_finess') }}

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

final as (

    select
        'FINESS-' || nofinesset as code_offre,
        'FINESS' as source,
        raison_sociale as libelle_offre,
        'FINESS ' || nofinessej as gestionnaire,
        categorie_finess as categorie_source,
        coalesce(libelle_categorie, libelle_categorie_nomenclature) as libelle_categorie_source,
        {{ offre_classement('code_action', 'code_institution', 'code_public') }},
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

)

select * from final
