-- Fairness between territories: for each ratio indicator (coverage ratios first, est_couverture), each year
-- and each comparison level (EPCI of the perimeter, territoires d'action of the département), the spread of
-- the territories' values: min, max, max/min (null when min = 0), unweighted mean and coefficient of
-- variation (population standard deviation / mean), and the Theil index weighted by the denominator
-- (T = sum s_i x (r_i / R) x ln(r_i / R), s_i = share of the denominator, R = ratio of the sums; 0 = equal,
-- terms with r_i = 0 count 0). Territories with a null value (secret, not covered) are left out and counted.
with

faits as (

    select * from {{ ref('fct_indicateur_territoire') }}

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

indicateurs as (

    select * from {{ ref('indicateurs') }}

),

valeurs as (

    select
        faits.code_indicateur,
        faits.code_territoire,
        faits.annee,
        territoires.niveau,
        faits.valeur,
        faits.numerateur,
        faits.denominateur,
        indicateurs.facteur,
        indicateurs.code_mesure_numerateur like 'offre\_%' escape '\' as est_couverture
    from faits
    inner join territoires on faits.code_territoire = territoires.code_territoire
    inner join indicateurs on faits.code_indicateur = indicateurs.code_indicateur
    where
        territoires.niveau in ('epci', 'territoire_action')
        and indicateurs.code_mesure_denominateur is not null

),

globaux as (

    select
        code_indicateur,
        annee,
        niveau,
        any_value(est_couverture) as est_couverture,
        count(*) as nb_territoires,
        count(valeur) as nb_territoires_avec_valeur,
        min(valeur) as valeur_min,
        max(valeur) as valeur_max,
        -- sums of doubles in a fixed order (macros/agregat_ordonne.sql): the same bits whatever the threads
        {{ agregat_ordonne('avg', 'valeur', 'code_territoire') }} as valeur_moyenne,
        {{ agregat_ordonne('stddev_pop', 'valeur', 'code_territoire') }} as ecart_type,
        any_value(facteur) * {{ agregat_ordonne('sum', 'numerateur', 'code_territoire', 'valeur is not null') }}
        / nullif({{ agregat_ordonne('sum', 'denominateur', 'code_territoire', 'valeur is not null') }}, 0)
            as valeur_ensemble,
        {{ agregat_ordonne('sum', 'denominateur', 'code_territoire', 'valeur is not null') }} as denominateur_total
    from valeurs
    group by code_indicateur, annee, niveau

),

termes_theil as (

    select
        valeurs.code_indicateur,
        valeurs.code_territoire,
        valeurs.annee,
        valeurs.niveau,
        case
            when valeurs.valeur > 0
                then
                    (valeurs.denominateur / globaux.denominateur_total)
                    * (valeurs.valeur / globaux.valeur_ensemble)
                    * ln(valeurs.valeur / globaux.valeur_ensemble)
            else 0
        end as terme_theil
    from valeurs
    inner join globaux
        on
            valeurs.code_indicateur = globaux.code_indicateur
            and valeurs.annee = globaux.annee
            and valeurs.niveau = globaux.niveau
    where valeurs.valeur is not null and globaux.valeur_ensemble > 0

),

theil as (

    select
        code_indicateur,
        annee,
        niveau,
        {{ agregat_ordonne('sum', 'terme_theil', 'code_territoire') }} as indice_theil
    from termes_theil
    group by code_indicateur, annee, niveau

),

final as (

    select
        globaux.code_indicateur,
        globaux.annee,
        globaux.niveau,
        globaux.est_couverture,
        globaux.nb_territoires,
        globaux.nb_territoires_avec_valeur,
        globaux.valeur_min,
        globaux.valeur_max,
        case when globaux.valeur_min > 0 then globaux.valeur_max / globaux.valeur_min end as rapport_max_min,
        globaux.valeur_moyenne,
        case when globaux.valeur_moyenne > 0 then globaux.ecart_type / globaux.valeur_moyenne end
            as coefficient_variation,
        globaux.valeur_ensemble,
        theil.indice_theil
    from globaux
    left join theil
        on
            globaux.code_indicateur = theil.code_indicateur
            and globaux.annee = theil.annee
            and globaux.niveau = theil.niveau
    where globaux.nb_territoires_avec_valeur > 0

)

select * from final
