-- Coverage of needs by the offer: one row per coverage indicator x territory x year (indicators whose
-- numerator is an offer measure, see seeds/indicateurs.csv), with the need it answers (the target population,
-- the denominator), the ratio, and a coverage index classed in five levels.
-- Index: indice_couverture = 100 x ratio of the territory / ratio of the configured département (same
-- indicator, same year); 100 = the département's level. Classes (fixed thresholds, stable over time, unlike
-- quintiles): 1 < 50, 2 [50, 80), 3 [80, 120), 4 [120, 150), 5 >= 150. A territory with no offer located in it
-- has index 0 (class 1). Null when the département's ratio is null or 0.
with

faits as (

    select * from {{ ref('fct_indicateur_territoire') }}

),

indicateurs as (

    select * from {{ ref('indicateurs') }}

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

couverture as (

    select
        faits.*,
        indicateurs.theme,
        indicateurs.libelle as libelle_indicateur,
        indicateurs.unite
    from faits
    inner join indicateurs on faits.code_indicateur = indicateurs.code_indicateur
    where indicateurs.code_mesure_numerateur like 'offre\_%' escape '\'

),

reference as (

    select
        code_indicateur,
        annee,
        valeur as valeur_departement
    from couverture
    where code_territoire = 'DEP-{{ var("departement") }}'

),

indices as (

    select
        couverture.*,
        reference.valeur_departement,
        case
            when reference.valeur_departement > 0
                then 100 * couverture.valeur / reference.valeur_departement
        end as indice_couverture
    from couverture
    left join reference
        on
            couverture.code_indicateur = reference.code_indicateur
            and couverture.annee = reference.annee

),

classes as (

    select
        *,
        {{ classe_couverture('indice_couverture') }} as classe_couverture
    from indices

),

final as (

    select
        indices.code_indicateur,
        indices.code_territoire,
        indices.annee,
        territoires.niveau,
        territoires.libelle as libelle_territoire,
        indices.libelle_indicateur,
        indices.theme,
        indices.unite,
        indices.numerateur as offre,
        indices.denominateur as besoin_population_cible,
        indices.valeur,
        indices.valeur_departement,
        indices.indice_couverture,
        indices.classe_couverture,
        case indices.classe_couverture
            when 1 then 'Très faible (< 50 % du niveau départemental)'
            when 2 then 'Faible (50 à 80 %)'
            when 3 then 'Proche du niveau départemental (80 à 120 %)'
            when 4 then 'Élevée (120 à 150 %)'
            when 5 then 'Très élevée (≥ 150 %)'
        end as libelle_classe_couverture,
        indices.est_demonstration,
        indices.nb_unites,
        indices.nb_unites_masquees
    from classes as indices
    inner join territoires on indices.code_territoire = territoires.code_territoire

)

select * from final
