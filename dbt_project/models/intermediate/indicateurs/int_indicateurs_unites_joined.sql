-- Numerator and denominator of every catalogued indicator at its finest level (commune or département),
-- one row per indicator x unit x numerator year.
-- Year rule: the denominator is taken from the latest year not after the numerator's year (ASOF join);
-- when numerator and denominator come from the same source and year, that is the same year.
-- Numerator years earlier than any year of the denominator measure are left out (no denominator can exist).
-- A vintage published for one région only (seed millesimes_regionaux) is a numerator only: it never serves as a
-- denominator or a secrecy measure, which would leave every other région without one.
with

indicateurs as (

    select * from {{ ref('indicateurs') }}

),

mesures_communes as (

    select * from {{ ref('int_mesures_communes_unioned') }}

),

mesures_departements as (

    select * from {{ ref('int_mesures_departements_unioned') }}

),

millesimes_regionaux as (

    select * from {{ ref('millesimes_regionaux') }}

),

mesures as (

    select
        'commune' as niveau_unite,
        code_commune as code_unite,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        source
    from mesures_communes

    union all

    select
        'departement' as niveau_unite,
        code_departement as code_unite,
        annee,
        code_mesure,
        valeur,
        est_demonstration,
        source
    from mesures_departements

),

mesures_nationales as (

    select mesures.*
    from mesures
    left join millesimes_regionaux
        on
            mesures.source = millesimes_regionaux.source
            and mesures.code_mesure = millesimes_regionaux.code_mesure
            and mesures.annee = millesimes_regionaux.annee
    where millesimes_regionaux.source is null

),

premieres_annees as (

    select
        code_mesure,
        min(annee) as premiere_annee
    from mesures_nationales
    group by code_mesure

),

numerateurs as (

    select
        indicateurs.code_indicateur,
        indicateurs.code_mesure_denominateur,
        indicateurs.mesure_secret,
        indicateurs.seuil_secret,
        mesures.niveau_unite,
        mesures.code_unite,
        mesures.annee,
        mesures.valeur as numerateur,
        mesures.est_demonstration,
        mesures.source
    from indicateurs
    inner join mesures
        on
            indicateurs.code_mesure_numerateur = mesures.code_mesure
            and indicateurs.niveau_le_plus_fin = mesures.niveau_unite
    left join premieres_annees
        on indicateurs.code_mesure_denominateur = premieres_annees.code_mesure
    where
        indicateurs.code_mesure_denominateur is null
        or mesures.annee >= premieres_annees.premiere_annee

),

joined as (

    select
        numerateurs.code_indicateur,
        numerateurs.niveau_unite,
        numerateurs.code_unite,
        numerateurs.annee,
        numerateurs.numerateur,
        denominateurs.valeur as denominateur,
        denominateurs.annee as annee_denominateur,
        numerateurs.code_mesure_denominateur is not null as a_denominateur,
        numerateurs.mesure_secret,
        numerateurs.seuil_secret,
        numerateurs.est_demonstration or coalesce(denominateurs.est_demonstration, false) as est_demonstration,
        case
            when denominateurs.source is null or denominateurs.source = numerateurs.source
                then numerateurs.source
            else numerateurs.source || ' / ' || denominateurs.source
        end as source
    from numerateurs
    asof left join mesures_nationales as denominateurs
        on
            numerateurs.code_mesure_denominateur = denominateurs.code_mesure
            and numerateurs.niveau_unite = denominateurs.niveau_unite
            and numerateurs.code_unite = denominateurs.code_unite
            and numerateurs.annee >= denominateurs.annee

),

-- Statistical secrecy (primary): the source's rule from the catalog (mesure_secret < seuil_secret, same unit,
-- latest year not after the numerator's). A masked unit gets a null numerator and denominator, so it is
-- counted in nb_unites_masquees and left out of every sum (which is also what prevents differencing).
controles as (

    select
        joined.*,
        coalesce(mesures_secret.valeur < joined.seuil_secret, false) as est_secret
    from joined
    asof left join mesures_nationales as mesures_secret
        on
            joined.mesure_secret = mesures_secret.code_mesure
            and joined.niveau_unite = mesures_secret.niveau_unite
            and joined.code_unite = mesures_secret.code_unite
            and joined.annee >= mesures_secret.annee

),

final as (

    select
        code_indicateur,
        niveau_unite,
        code_unite,
        annee,
        case when not est_secret then numerateur end as numerateur,
        case when not est_secret then denominateur end as denominateur,
        annee_denominateur,
        a_denominateur,
        est_demonstration,
        source,
        est_secret
    from controles

)

select * from final
