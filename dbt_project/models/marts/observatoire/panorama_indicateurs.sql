-- Denormalised table for the dashboards (contracts §4 marts.panorama_indicateurs): every fact with its
-- territory and indicator labels, and the same indicator and year for the territory's département, its
-- région and France, for comparison.
-- Non-additive indicators (regle_agregation 'publiee') get one row per territory of the perimeter where the
-- source publishes no value (offline: every EPCI, territoire d'action, département, région and France), with a
-- null valeur and statut_diffusion « non diffusé à ce niveau », so the dashboards say so instead of showing
-- nothing or an estimate. statut_diffusion also says « secret statistique » or « non disponible » for a masked cell.
with

faits as (

    select * from {{ ref('fct_indicateur_territoire') }}

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

indicateurs as (

    select * from {{ ref('dim_indicateur') }}

),

indicateurs_publies as (

    -- catalog indicators published as the source publishes them (partner indicators have no sources_extraction)
    select code_indicateur
    from indicateurs
    where regle_agregation = 'publiee' and sources_extraction is not null

),

annees_publiees as (

    select distinct
        faits.code_indicateur,
        faits.annee
    from faits
    inner join indicateurs_publies on faits.code_indicateur = indicateurs_publies.code_indicateur

),

non_diffuses as (

    select
        annees_publiees.code_indicateur,
        territoires.code_territoire,
        annees_publiees.annee,
        null::double as numerateur,
        null::double as denominateur,
        null::double as valeur,
        false as est_demonstration,
        null::varchar as source,
        0 as nb_unites_masquees
    from annees_publiees
    cross join territoires
    left join faits
        on
            annees_publiees.code_indicateur = faits.code_indicateur
            and annees_publiees.annee = faits.annee
            and territoires.code_territoire = faits.code_territoire
    where faits.code_territoire is null

),

faits_etendus as (

    select
        faits.code_indicateur,
        faits.code_territoire,
        faits.annee,
        faits.numerateur,
        faits.denominateur,
        faits.valeur,
        faits.est_demonstration,
        faits.source,
        faits.nb_unites_masquees,
        case
            -- a published cell that is null without being secret: INSEE's « nd »
            when
                indicateurs_publies.code_indicateur is not null
                and faits.valeur is null
                and faits.nb_unites_masquees = 0
                then 'non disponible'
            when faits.valeur is null and faits.nb_unites_masquees > 0 then 'secret statistique'
            when faits.nb_unites_masquees > 0
                then 'calculé hors ' || faits.nb_unites_masquees || ' unité(s) sous secret statistique'
        end as mention_secret
    from faits
    left join indicateurs_publies on faits.code_indicateur = indicateurs_publies.code_indicateur

    union all

    select
        *,
        'non diffusé à ce niveau' as mention_secret
    from non_diffuses

),

departement_configure as (

    select
        code as code_departement,
        code_region
    from territoires
    where niveau = 'departement' and code = '{{ var("departement") }}'

),

-- Each territory is compared with its own département and région (an EPCI's département is the one that
-- holds it, see int_territoires_unioned); France and the régions fall back on the configured département.
references_territoire as (

    select
        territoires.code_territoire,
        'DEP-' || coalesce(territoires.code_departement, departement_configure.code_departement)
            as code_territoire_departement,
        'REG-' || coalesce(territoires.code_region, departement_configure.code_region) as code_territoire_region
    from territoires
    cross join departement_configure

),

final as (

    select
        faits.code_indicateur,
        faits.code_territoire,
        faits.annee,
        faits.numerateur,
        faits.denominateur,
        faits.valeur,
        faits.est_demonstration,
        faits.source,
        faits.nb_unites_masquees,
        faits.mention_secret,
        territoires.niveau,
        territoires.libelle as libelle_territoire,
        territoires.code_departement,
        territoires.code_region,
        territoires.code_epci,
        territoires.code_territoire_action,
        indicateurs.libelle as libelle_indicateur,
        indicateurs.theme,
        indicateurs.unite,
        case when faits.est_demonstration then 'Démonstration' else 'Réel' end as nature_donnee,
        valeurs_departement.valeur as valeur_departement,
        valeurs_region.valeur as valeur_region,
        valeurs_france.valeur as valeur_france,
        coalesce(faits.mention_secret, 'diffusé') as statut_diffusion
    from faits_etendus as faits
    inner join territoires on faits.code_territoire = territoires.code_territoire
    inner join indicateurs on faits.code_indicateur = indicateurs.code_indicateur
    inner join references_territoire on faits.code_territoire = references_territoire.code_territoire
    left join faits as valeurs_departement
        on
            faits.code_indicateur = valeurs_departement.code_indicateur
            and faits.annee = valeurs_departement.annee
            and references_territoire.code_territoire_departement = valeurs_departement.code_territoire
    left join faits as valeurs_region
        on
            faits.code_indicateur = valeurs_region.code_indicateur
            and faits.annee = valeurs_region.annee
            and references_territoire.code_territoire_region = valeurs_region.code_territoire
    left join faits as valeurs_france
        on
            faits.code_indicateur = valeurs_france.code_indicateur
            and faits.annee = valeurs_france.annee
            and valeurs_france.code_territoire = 'FR'

)

select * from final
