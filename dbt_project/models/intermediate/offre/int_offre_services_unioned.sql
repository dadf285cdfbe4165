-- Every offer of the perimeter: the union of one mapping model per source (FINESS établissement of the social
-- field, partner's "qui fait quoi" row, data·inclusion service, BPE facility of a type FINESS does not carry),
-- each with its nomenclature codes (NC when unmapped, never dropped) and its zone served. The columns are named
-- once here, so a mapping model that drifts fails instead of shifting a column.
{%- set columns = [
    'code_offre',
    'source',
    'libelle_offre',
    'gestionnaire',
    'categorie_source',
    'libelle_categorie_source',
    'est_classe',
    'code_action',
    'code_institution',
    'code_public',
    'code_commune_implantation',
    'cle_zone_desservie',
    'niveau_zone_desservie',
    'capacite',
    'contact_structure',
    'public_source',
    'est_demonstration',
] %}

with

finess as (

    select * from {{ ref('int_offre_finess_mapped') }}

),

partenaires as (

    select * from {{ ref('int_offre_partenaires_mapped') }}

),

data_inclusion as (

    select * from {{ ref('int_offre_data_inclusion_mapped') }}

),

bpe as (

    select * from {{ ref('int_offre_bpe_mapped') }}

),

final as (

    select {{ columns | join(', ') }} from finess
    union all
    select {{ columns | join(', ') }} from partenaires
    union all
    select {{ columns | join(', ') }} from data_inclusion
    union all
    select {{ columns | join(', ') }} from bpe

)

select * from final
