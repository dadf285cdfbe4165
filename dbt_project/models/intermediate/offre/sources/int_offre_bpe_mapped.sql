-- BPE facilities of the latest vintage in the perimeter, for the types FINESS does not carry
-- (offre_correspondance_bpe marks the others outside the field, so they are not counted twice).
with

bpe as (

    select * from {{ ref('stg_bpe__equipements') }}

),

correspondance_bpe as (

    select * from {{ ref('offre_correspondance_bpe') }}

),

communes as (

    select * from {{ ref('int_communes_located') }}

),

codes as (

    select * from {{ ref('int_communes_codes_mapped') }}

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

final as (

    select
        'BPE-' || annee::varchar || '-' || type_equipement || '-' || code_commune_courant || '-' || rang::varchar
            as code_offre,
        'BPE' as source,
        coalesce(libelle_type, 'Équipement BPE ' || type_equipement)
        || ' (' || rang::varchar || '/' || nombre::varchar || ', BPE ' || annee::varchar || ')' as libelle_offre,
        'non renseigné (BPE : dénombrement sans gestionnaire)' as gestionnaire,
        type_equipement as categorie_source,
        libelle_type as libelle_categorie_source,
        {{ offre_classement('code_action', 'code_institution', 'code_public') }},
        code_commune_courant as code_commune_implantation,
        'COM-' || code_commune_courant as cle_zone_desservie,
        'commune' as niveau_zone_desservie,
        null::double as capacite,
        null::varchar as contact_structure,
        coalesce(libelle_type, type_equipement) as public_source,
        est_demonstration
    from bpe_unnested

)

select * from final
