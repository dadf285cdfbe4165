-- The indicator catalog (contracts §4 marts.dim_indicateur): the reviewed seed `indicateurs`, plus one row per
-- partner or ABS indicator (code '<partner>__<code>') described from the partner's files: label and unit of the
-- latest row sent, finest level sent, 'démonstration' when any row comes from an example file. No factor,
-- definitions nor secrecy rule: a partner's values are published as sent, never recomputed nor summed.
-- Availability: a catalog indicator is unavailable when one of its sources_extraction never succeeded (it failed
-- with no earlier data, extract/run.py unavailable_result); its facts are then absent. Partner indicators exist only
-- from the files received, so they are always available. regle_agregation: the seed's; partner indicators are
-- 'publiee' (published as sent, never summed).
-- The proximity indicators (seed indicateurs_proximite, values in fct_proximite_territoire) join the catalog here:
-- their nature is 'démonstration' when any service they measure is demonstration data.
with

indicateurs_additifs as (

    select * from {{ ref('indicateurs') }}

),

indicateurs_proximite as (

    select * from {{ ref('indicateurs_proximite') }}

),

proximite_mesures as (

    select * from {{ ref('int_proximite_communes_measured') }}

),

proximite_nature as (

    select case when coalesce(bool_or(est_demonstration), false) then 'démonstration' else 'réel' end as nature
    from proximite_mesures

),

indicateurs as (

    select * from indicateurs_additifs
    union all by name
    select
        * exclude (colonne_mart),
        (select proximite_nature.nature from proximite_nature) as nature
    from indicateurs_proximite

),

partenaires as (

    select * from {{ ref('int_indicateurs_partenaires_unioned') }}

),

fraicheur as (

    select * from {{ ref('stg_exploitation__fraicheur_sources') }}

),

sources_indisponibles as (

    select
        indicateurs.code_indicateur,
        string_agg(fraicheur.source, ', ' order by fraicheur.source) as sources,
        count(*) as nb_sources
    from indicateurs
    inner join fraicheur
        on list_contains(string_split(indicateurs.sources_extraction, ' '), fraicheur.source)
    where fraicheur.derniere_reussite is null
    group by indicateurs.code_indicateur

),

catalogue as (

    select
        code_indicateur,
        libelle,
        theme,
        unite,
        facteur,
        definition_numerateur,
        definition_denominateur,
        source,
        producteur,
        millesime,
        licence,
        pourquoi,
        nature,
        niveau_le_plus_fin,
        regle_secret,
        seuil_secret,
        sources_extraction,
        regle_agregation
    from indicateurs

),

catalogue_disponibilite as (

    select
        catalogue.*,
        sources_indisponibles.code_indicateur is null as est_disponible,
        cast(coalesce(sources_indisponibles.nb_sources, 0) as integer) as nb_sources_indisponibles,
        case
            when sources_indisponibles.code_indicateur is null then 'Disponible'
            else 'Indisponible : source sans données (' || sources_indisponibles.sources || ')'
        end as disponibilite
    from catalogue
    left join sources_indisponibles on catalogue.code_indicateur = sources_indisponibles.code_indicateur

),

partenaires_resumes as (

    select
        *,
        row_number() over (
            partition by code_indicateur order by annee desc, recu_le desc, periode desc, code_territoire asc
        ) as rang_recent,
        bool_or(est_demonstration) over (partition by code_indicateur) as a_demonstration,
        bool_or(niveau_territoire = 'commune') over (partition by code_indicateur) as a_commune,
        bool_or(niveau_territoire = 'epci') over (partition by code_indicateur) as a_epci,
        min(annee) over (partition by code_indicateur) as premiere_annee,
        max(annee) over (partition by code_indicateur) as derniere_annee
    from partenaires

),

partenaires_producteurs as (

    select
        *,
        case
            when ccas is not null then ccas
            when partenaire like 'CAF%' then 'Caisse d''allocations familiales (' || partenaire || ')'
            when partenaire = 'MSA' then 'Mutualité sociale agricole'
            when partenaire like 'CPAM%' then 'Caisse primaire d''assurance maladie (' || partenaire || ')'
            when partenaire like 'UDCCAS%' then 'Union départementale des CCAS (' || partenaire || ')'
            when partenaire like 'CD%' then 'Conseil départemental (' || partenaire || ')'
            else partenaire
        end as nom_partenaire
    from partenaires_resumes
    where rang_recent = 1

),

catalogue_partenaires as (

    select
        code_indicateur,
        libelle_indicateur as libelle,
        case
            when type_fichier = 'indicateurs_abs' then 'Analyses des besoins sociaux (CCAS/CIAS)'
            else 'Indicateurs des partenaires'
        end as theme,
        unite,
        cast(null as integer) as facteur,
        cast(null as varchar) as definition_numerateur,
        cast(null as varchar) as definition_denominateur,
        'partenaire ' || partenaire as source,
        nom_partenaire as producteur,
        case
            when premiere_annee = derniere_annee then cast(derniere_annee as varchar)
            else premiere_annee || '-' || derniere_annee
        end as millesime,
        cast(null as varchar) as licence,
        'Indicateur transmis à l''observatoire par le partenaire ' || partenaire || ' (' || nom_partenaire || ') : '
        || 'ses valeurs sont publiées telles que reçues, pour les seuls territoires du fichier, '
        || 'sans être additionnées à d''autres niveaux.' as pourquoi,
        case when a_demonstration then 'démonstration' else 'réel' end as nature,
        case when a_commune then 'commune' when a_epci then 'epci' else 'departement' end as niveau_le_plus_fin,
        cast(null as varchar) as regle_secret,
        cast(null as integer) as seuil_secret,
        cast(null as varchar) as sources_extraction,
        true as est_disponible,
        cast(0 as integer) as nb_sources_indisponibles,
        'Disponible' as disponibilite,
        'publiee' as regle_agregation
    from partenaires_producteurs

),

final as (

    select * from catalogue_disponibilite
    union all by name
    select * from catalogue_partenaires

)

select * from final
