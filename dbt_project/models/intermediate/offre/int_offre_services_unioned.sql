-- Every offer (FINESS établissement in the social field, partner's "qui fait quoi" row, data·inclusion
-- service, BPE facility of a type FINESS does not carry) with its nomenclature codes and its zone served.
-- Unmapped categories and labels take the 'non classé' codes (NC...), never dropped;
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

data_inclusion as (

    select * from {{ ref('stg_data_inclusion__services') }}

),

correspondance_data_inclusion as (

    select * from {{ ref('offre_correspondance_data_inclusion') }}

),

bpe as (

    select * from {{ ref('stg_bpe__equipements') }}

),

correspondance_bpe as (

    select * from {{ ref('offre_correspondance_bpe') }}

),

territoires_connus as (

    select distinct code_territoire from {{ ref('int_communes_territoires_bridged') }}

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

data_inclusion_located as (

    select
        data_inclusion.*,
        communes.code_commune as code_commune_courant,
        coalesce(thematique_exacte.code, thematique_racine.code) as code_action,
        profils.code as code_public,
        typologies.code as code_institution,
        zone_connue.code_territoire as cle_zone_declaree
    from data_inclusion
    left join codes on data_inclusion.code_commune = codes.code_source
    left join communes on codes.code_commune = communes.code_commune
    left join correspondance_data_inclusion as thematique_exacte
        on
            thematique_exacte.dimension = 'thematique'
            and data_inclusion.thematique_principale = thematique_exacte.valeur_source
    left join correspondance_data_inclusion as thematique_racine
        on
            thematique_racine.dimension = 'thematique'
            and data_inclusion.thematique_principale_racine = thematique_racine.valeur_source
    left join correspondance_data_inclusion as profils
        on profils.dimension = 'profil' and data_inclusion.profil_principal = profils.valeur_source
    left join correspondance_data_inclusion as typologies
        on typologies.dimension = 'typologie' and data_inclusion.typologie_structure = typologies.valeur_source
    left join territoires_connus as zone_connue
        on
            zone_connue.code_territoire = case data_inclusion.zone_diffusion_type
                when 'commune' then 'COM-' || data_inclusion.zone_diffusion_code
                when 'epci' then 'EPCI-' || data_inclusion.zone_diffusion_code
                when 'departement' then 'DEP-' || data_inclusion.zone_diffusion_code
            end
    where
        communes.est_dans_perimetre
        or (
            data_inclusion.zone_diffusion_type = 'departement'
            and data_inclusion.zone_diffusion_code = '{{ var("departement") }}'
        )

),

data_inclusion_zones as (

    select
        *,
        case
            when cle_zone_declaree is not null then cle_zone_declaree
            when zone_diffusion_type in ('departement', 'region', 'pays') then 'DEP-{{ var("departement") }}'
            when code_commune_courant is not null then 'COM-' || code_commune_courant
            else 'DEP-{{ var("departement") }}'
        end as cle_zone_desservie
    from data_inclusion_located

),

data_inclusion_offres as (

    select
        'DI-' || source_donnees || '-' || id_service as code_offre,
        'data·inclusion' as source,
        nom as libelle_offre,
        coalesce(nom_structure, 'structure ' || source_donnees || ' ' || structure_id) as gestionnaire,
        thematique_principale as categorie_source,
        thematiques as libelle_categorie_source,
        code_action is not null as est_classe,
        coalesce(code_action, 'NC-NC-NC') as code_action,
        coalesce(code_institution, 'NC') as code_institution,
        coalesce(code_public, 'NC') as code_public,
        code_commune_courant as code_commune_implantation,
        cle_zone_desservie,
        case split_part(cle_zone_desservie, '-', 1)
            when 'COM' then 'commune'
            when 'EPCI' then 'epci'
            else 'departement'
        end as niveau_zone_desservie,
        null::double as capacite,
        null::varchar as contact_structure,
        profils as public_source,
        est_demonstration
    from data_inclusion_zones

),

bpe_located as (

    select
        communes.code_commune as code_commune_courant,
        bpe.annee,
        bpe.type_equipement,
        any_value(correspondance_bpe.libelle_type) as libelle_type,
        any_value(correspondance_bpe.dans_champ) as dans_champ,
        any_value(correspondance_bpe.code_action) as code_action,
        any_value(correspondance_bpe.code_public) as code_public,
        any_value(correspondance_bpe.code_institution) as code_institution,
        bool_or(bpe.est_demonstration) as est_demonstration,
        sum(bpe.nombre)::bigint as nombre
    from bpe
    left join codes on bpe.code_commune = codes.code_source
    left join communes on codes.code_commune = communes.code_commune
    left join correspondance_bpe on bpe.type_equipement = correspondance_bpe.type_equipement
    where communes.est_dans_perimetre and bpe.annee = (select max(latest.annee) from bpe as latest)
    group by communes.code_commune, bpe.annee, bpe.type_equipement

),

-- The BPE counts facilities without naming them: one offer row per facility counted, so that counts per
-- territory stay right; no capacity, no gestionnaire.
bpe_unnested as (

    select
        *,
        unnest(generate_series(1::bigint, nombre)) as rang
    from bpe_located
    where dans_champ is distinct from false

),

bpe_offres as (

    select
        'BPE-' || annee::varchar || '-' || type_equipement || '-' || code_commune_courant || '-' || rang::varchar
            as code_offre,
        'BPE' as source,
        coalesce(libelle_type, 'Équipement BPE ' || type_equipement)
        || ' (' || rang::varchar || '/' || nombre::varchar || ', BPE ' || annee::varchar || ')' as libelle_offre,
        'non renseigné (BPE : dénombrement sans gestionnaire)' as gestionnaire,
        type_equipement as categorie_source,
        libelle_type as libelle_categorie_source,
        code_action is not null as est_classe,
        coalesce(code_action, 'NC-NC-NC') as code_action,
        coalesce(code_institution, 'NC') as code_institution,
        coalesce(code_public, 'NC') as code_public,
        code_commune_courant as code_commune_implantation,
        'COM-' || code_commune_courant as cle_zone_desservie,
        'commune' as niveau_zone_desservie,
        null::double as capacite,
        null::varchar as contact_structure,
        coalesce(libelle_type, type_equipement) as public_source,
        est_demonstration
    from bpe_unnested

),

final as (

    select * from finess_offres
    union all
    select * from partenaires_offres
    union all
    select * from data_inclusion_offres
    union all
    select * from bpe_offres

)

select * from final
