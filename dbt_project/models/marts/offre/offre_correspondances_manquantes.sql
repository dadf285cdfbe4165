-- Quality table: every source value that the crosswalks do not classify, so that nothing is dropped silently.
-- 'non classé': counted in the offer under the NC codes, to add to a crosswalk seed;
-- 'hors champ': FINESS categories the crosswalk marks as outside social action (hospitals, pharmacies...),
-- left out of the offer on purpose; BPE types the BPE itself takes from FINESS are 'hors champ' too (already
-- counted through FINESS).
with

bpe as (

    select * from {{ ref('stg_bpe__equipements') }}

),

correspondance_bpe as (

    select * from {{ ref('offre_correspondance_bpe') }}

),

finess as (

    select * from {{ ref('stg_finess__etablissements') }}

),

correspondance_finess as (

    select * from {{ ref('offre_correspondance_finess') }}

),

offres as (

    select * from {{ ref('int_offre_services_unioned') }}

),

finess_hors_champ as (

    select
        'FINESS' as source,
        'categorie' as dimension,
        finess.categorie_finess as valeur_source,
        any_value(coalesce(finess.libelle_categorie, correspondance_finess.libelle_categorie)) as libelle_source,
        'hors champ' as statut,
        count(*) as nb_lignes,
        sum(finess.capacite_installee)::double as capacite
    from finess
    inner join correspondance_finess on finess.categorie_finess = correspondance_finess.categorie_finess
    where not correspondance_finess.dans_champ
    group by all

),

bpe_hors_champ as (

    select
        'BPE' as source,
        'categorie' as dimension,
        bpe.type_equipement as valeur_source,
        any_value(correspondance_bpe.libelle_type) as libelle_source,
        'hors champ' as statut,
        sum(bpe.nombre)::bigint as nb_lignes,
        null::double as capacite
    from bpe
    inner join correspondance_bpe on bpe.type_equipement = correspondance_bpe.type_equipement
    where not correspondance_bpe.dans_champ and bpe.annee = (select max(latest.annee) from bpe as latest)
    group by all

),

non_classes as (

    select
        source,
        'action' as dimension,
        categorie_source as valeur_source,
        any_value(libelle_categorie_source) as libelle_source,
        'non classé' as statut,
        count(*) as nb_lignes,
        sum(capacite) as capacite
    from offres
    where not est_classe
    group by all

    union all

    select
        source,
        'institution' as dimension,
        gestionnaire as valeur_source,
        any_value(gestionnaire) as libelle_source,
        'non classé' as statut,
        count(*) as nb_lignes,
        sum(capacite) as capacite
    from offres
    where code_institution = 'NC'
    group by all

    union all

    select
        source,
        'public' as dimension,
        public_source as valeur_source,
        any_value(public_source) as libelle_source,
        'non classé' as statut,
        count(*) as nb_lignes,
        sum(capacite) as capacite
    from offres
    where code_public = 'NC'
    group by all

),

final as (

    select * from finess_hors_champ
    union all
    select * from bpe_hors_champ
    union all
    select * from non_classes

)

select * from final
