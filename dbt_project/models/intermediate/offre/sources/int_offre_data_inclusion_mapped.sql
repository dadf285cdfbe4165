-- data·inclusion services of the perimeter (or serving the whole département), mapped through
-- offre_correspondance_data_inclusion: first thematique (exact code, else its top-level theme), first profil,
-- structure typologie; zone served from zone_diffusion when that territory is known, else the département or the
-- service's commune.
with

data_inclusion as (

    select * from {{ ref('stg_data_inclusion__services') }}

),

correspondance_data_inclusion as (

    select * from {{ ref('offre_correspondance_data_inclusion') }}

),

communes as (

    select * from {{ ref('int_communes_located') }}

),

codes as (

    select * from {{ ref('int_communes_codes_mapped') }}

),

territoires_connus as (

    select distinct code_territoire from {{ ref('int_communes_territoires_bridged') }}

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

final as (

    select
        'DI-' || source_donnees || '-' || id_service as code_offre,
        'data·inclusion' as source,
        nom as libelle_offre,
        coalesce(nom_structure, 'structure ' || source_donnees || ' ' || structure_id) as gestionnaire,
        thematique_principale as categorie_source,
        thematiques as libelle_categorie_source,
        {{ offre_classement('code_action', 'code_institution', 'code_public') }},
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

)

select * from final
