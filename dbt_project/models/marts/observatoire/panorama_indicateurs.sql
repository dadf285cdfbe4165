-- Denormalised table for the dashboards (contracts §4 marts.panorama_indicateurs): every fact with its
-- territory and indicator labels, and the same indicator and year for the territory's département, its
-- région and France, for comparison.
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
        case
            when faits.valeur is null and faits.nb_unites_masquees > 0 then 'secret statistique'
            when faits.nb_unites_masquees > 0
                then 'calculé hors ' || faits.nb_unites_masquees || ' unité(s) sous secret statistique'
        end as mention_secret,
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
        valeurs_france.valeur as valeur_france
    from faits
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
