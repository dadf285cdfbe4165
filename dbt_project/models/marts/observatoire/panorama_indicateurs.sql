-- Denormalised table for the dashboards (contracts §4 marts.panorama_indicateurs): every fact with its
-- territory and indicator labels, and the same indicator and year for the configured département, its
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
        code_territoire as code_territoire_departement,
        'REG-' || code_region as code_territoire_region
    from territoires
    where niveau = 'departement' and code = '{{ var("departement") }}'

),

references_comparaison as (

    select
        faits.code_indicateur,
        faits.annee,
        max(case when faits.code_territoire = departement_configure.code_territoire_departement then faits.valeur end)
            as valeur_departement,
        max(case when faits.code_territoire = departement_configure.code_territoire_region then faits.valeur end)
            as valeur_region,
        max(case when faits.code_territoire = 'FR' then faits.valeur end) as valeur_france
    from faits
    cross join departement_configure
    group by faits.code_indicateur, faits.annee

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
        references_comparaison.valeur_departement,
        references_comparaison.valeur_region,
        references_comparaison.valeur_france
    from faits
    inner join territoires on faits.code_territoire = territoires.code_territoire
    inner join indicateurs on faits.code_indicateur = indicateurs.code_indicateur
    left join references_comparaison
        on
            faits.code_indicateur = references_comparaison.code_indicateur
            and faits.annee = references_comparaison.annee

)

select * from final
