-- Numerator and denominator of every catalogued indicator at its finest level (commune or département),
-- one row per indicator x unit x numerator year.
-- Year rule: the denominator is taken from the latest year not after the numerator's year (an as-of rule, joined
-- on each denominator value's validity range: from its year to the next year of the same unit);
-- when numerator and denominator come from the same source and year, that is the same year.
-- Numerator years earlier than any year of the denominator measure are left out (no denominator can exist).
-- Indicators listed in the seed indicateurs_appariement_annees take their denominator at exactly the numerator's
-- year minus ecart_annees (N-5 for an annual change rate, N for a same-census ratio); numerator years with no
-- such denominator year for the measure are left out, and a unit without it gets no denominator.
-- A vintage published for one région only (seed millesimes_regionaux) feeds only indicators without a denominator
-- (a count): it never serves as a denominator, a secrecy measure or the numerator of a ratio.
with

indicateurs as (

    -- 'publiee' indicators are never summed from units (int_indicateurs_publies_selected)
    select * from {{ ref('indicateurs') }}
    where regle_agregation = 'additive'

),

appariements as (

    select * from {{ ref('indicateurs_appariement_annees') }}

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

mesures_reperees as (

    select
        mesures.*,
        millesimes_regionaux.source is not null as est_millesime_regional
    from mesures
    left join millesimes_regionaux
        on
            mesures.source = millesimes_regionaux.source
            and mesures.code_mesure = millesimes_regionaux.code_mesure
            and mesures.annee = millesimes_regionaux.annee

),

mesures_nationales as (

    select * exclude (est_millesime_regional)
    from mesures_reperees
    where not est_millesime_regional

),

mesures_datees as (

    -- the measures some indicator uses as denominator or as secrecy control, each valid from its year to the
    -- next year of the unit (the joins below pick them by code_mesure)
    select
        mesures_nationales.*,
        lead(mesures_nationales.annee) over (
            partition by mesures_nationales.code_mesure, mesures_nationales.niveau_unite, mesures_nationales.code_unite
            order by mesures_nationales.annee
        ) as annee_suivante
    from mesures_nationales
    where
        mesures_nationales.code_mesure in (select indicateurs.code_mesure_denominateur from indicateurs)
        or mesures_nationales.code_mesure in (select indicateurs.mesure_secret from indicateurs)

),

premieres_annees as (

    select
        code_mesure,
        min(annee) as premiere_annee
    from mesures_nationales
    group by code_mesure

),

annees_mesures as (

    select distinct
        code_mesure,
        niveau_unite,
        annee
    from mesures

),

annees_numerateurs as (

    -- the numerator years each indicator keeps at its finest level (decided on the ~300 distinct years, not on
    -- the ~1.4 M rows): every year for a count; for a ratio, years from the denominator's first year on, or,
    -- when years are paired (ecart_annees), years whose paired denominator year exists at that level
    select
        indicateurs.code_indicateur,
        annees.niveau_unite,
        annees.annee
    from indicateurs
    inner join annees_mesures as annees
        on
            indicateurs.code_mesure_numerateur = annees.code_mesure
            and indicateurs.niveau_le_plus_fin = annees.niveau_unite
    left join premieres_annees
        on indicateurs.code_mesure_denominateur = premieres_annees.code_mesure
    left join appariements
        on indicateurs.code_indicateur = appariements.code_indicateur
    left join annees_mesures as annees_denominateur
        on
            indicateurs.code_mesure_denominateur = annees_denominateur.code_mesure
            and annees.niveau_unite = annees_denominateur.niveau_unite
            and annees.annee - appariements.ecart_annees = annees_denominateur.annee
    where
        indicateurs.code_mesure_denominateur is null
        or (appariements.ecart_annees is null and annees.annee >= premieres_annees.premiere_annee)
        or annees_denominateur.annee is not null

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
        mesures.source,
        appariements.ecart_annees,
        mesures.annee - coalesce(appariements.ecart_annees, 0) as annee_reference
    from annees_numerateurs
    inner join indicateurs on annees_numerateurs.code_indicateur = indicateurs.code_indicateur
    inner join mesures_reperees as mesures
        on
            indicateurs.code_mesure_numerateur = mesures.code_mesure
            and annees_numerateurs.niveau_unite = mesures.niveau_unite
            and annees_numerateurs.annee = mesures.annee
    left join appariements
        on indicateurs.code_indicateur = appariements.code_indicateur
    where
        -- a one-région vintage is a count only: never the numerator of a ratio the other régions cannot have
        not (mesures.est_millesime_regional and indicateurs.code_mesure_denominateur is not null)

),

joined as (

    select
        numerateurs.code_indicateur,
        numerateurs.niveau_unite,
        numerateurs.code_unite,
        numerateurs.annee,
        numerateurs.numerateur,
        case
            when numerateurs.ecart_annees is null or denominateurs.annee = numerateurs.annee_reference
                then denominateurs.valeur
        end as denominateur,
        case
            when numerateurs.ecart_annees is null or denominateurs.annee = numerateurs.annee_reference
                then denominateurs.annee
        end as annee_denominateur,
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
    left join mesures_datees as denominateurs
        on
            numerateurs.code_mesure_denominateur = denominateurs.code_mesure
            and numerateurs.niveau_unite = denominateurs.niveau_unite
            and numerateurs.code_unite = denominateurs.code_unite
            and numerateurs.annee_reference >= denominateurs.annee
            and numerateurs.annee_reference < coalesce(denominateurs.annee_suivante, 9999)

),

-- Statistical secrecy (primary): the source's rule from the catalog (mesure_secret < seuil_secret, same unit,
-- latest year not after the numerator's). A masked unit gets a null numerator and denominator, so it is
-- counted in nb_unites_masquees and left out of every sum (which is also what prevents differencing).
controles as (

    select
        joined.*,
        coalesce(mesures_secret.valeur < joined.seuil_secret, false) as est_secret
    from joined
    left join mesures_datees as mesures_secret
        on
            joined.mesure_secret = mesures_secret.code_mesure
            and joined.niveau_unite = mesures_secret.niveau_unite
            and joined.code_unite = mesures_secret.code_unite
            and joined.annee >= mesures_secret.annee
            and joined.annee < coalesce(mesures_secret.annee_suivante, 9999)

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
