-- Comparisons: every indicator x territory x year within its group of comparable territories, with rank
-- (1 = highest value), quartiles and median of the group, the configured département, its région and France
-- beside it, and the evolution over 1 and 5 years (same territory, same indicator).
-- Groups: 'departements_france' (all départements of France: real DREES / INSEE series, and commune sources
-- summed), 'epci_perimetre' (EPCI of the perimeter: offline only the EPCI touching the configured département
-- are built, not all EPCI of the région), 'territoires_action' (the département's territoires d'action).
-- Territories whose value is null (secret, not covered) get no rank and do not count in the group.
-- Catalog indicators only (seed `indicateurs`): a partner's indicator, published as sent for the territories
-- of its file, has no comparable group (its file is not exhaustive), so it is left out.
with

panorama as (

    select * from {{ ref('panorama_indicateurs') }}
    where code_indicateur in (select indicateurs.code_indicateur from {{ ref('indicateurs') }} as indicateurs)

),

groupes as (

    select
        *,
        case niveau
            when 'departement' then 'departements_france'
            when 'epci' then 'epci_perimetre'
            when 'territoire_action' then 'territoires_action'
        end as groupe_comparaison
    from panorama
    where niveau in ('departement', 'epci', 'territoire_action')

),

statistiques as (

    select
        code_indicateur,
        annee,
        groupe_comparaison,
        count(valeur) as nb_territoires_groupe,
        quantile_cont(valeur, 0.25) as quartile_1,
        quantile_cont(valeur, 0.5) as mediane,
        quantile_cont(valeur, 0.75) as quartile_3,
        min(valeur) as valeur_min_groupe,
        max(valeur) as valeur_max_groupe
    from groupes
    where valeur is not null
    group by code_indicateur, annee, groupe_comparaison

),

rangs as (

    select
        code_indicateur,
        code_territoire,
        annee,
        rank() over (
            partition by code_indicateur, annee, groupe_comparaison order by valeur desc
        ) as rang
    from groupes
    where valeur is not null

),

final as (

    select
        groupes.code_indicateur,
        groupes.code_territoire,
        groupes.annee,
        groupes.groupe_comparaison,
        groupes.niveau,
        groupes.libelle_territoire,
        groupes.libelle_indicateur,
        groupes.theme,
        groupes.unite,
        groupes.valeur,
        groupes.mention_secret,
        rangs.rang,
        statistiques.nb_territoires_groupe,
        statistiques.quartile_1,
        statistiques.mediane,
        statistiques.quartile_3,
        statistiques.valeur_min_groupe,
        statistiques.valeur_max_groupe,
        case
            when groupes.valeur is null then null
            when groupes.valeur <= statistiques.quartile_1 then 1
            when groupes.valeur <= statistiques.mediane then 2
            when groupes.valeur <= statistiques.quartile_3 then 3
            else 4
        end as quartile,
        groupes.valeur_departement,
        groupes.valeur_region,
        groupes.valeur_france,
        groupes.valeur - un_an.valeur as evolution_1_an,
        100 * (groupes.valeur - un_an.valeur) / nullif(un_an.valeur, 0) as evolution_1_an_pct,
        groupes.valeur - cinq_ans.valeur as evolution_5_ans,
        100 * (groupes.valeur - cinq_ans.valeur) / nullif(cinq_ans.valeur, 0) as evolution_5_ans_pct,
        groupes.nature_donnee
    from groupes
    left join rangs
        on
            groupes.code_indicateur = rangs.code_indicateur
            and groupes.code_territoire = rangs.code_territoire
            and groupes.annee = rangs.annee
    left join statistiques
        on
            groupes.code_indicateur = statistiques.code_indicateur
            and groupes.annee = statistiques.annee
            and groupes.groupe_comparaison = statistiques.groupe_comparaison
    left join panorama as un_an
        on
            groupes.code_indicateur = un_an.code_indicateur
            and groupes.code_territoire = un_an.code_territoire
            and groupes.annee - 1 = un_an.annee
    left join panorama as cinq_ans
        on
            groupes.code_indicateur = cinq_ans.code_indicateur
            and groupes.code_territoire = cinq_ans.code_territoire
            and groupes.annee - 5 = cinq_ans.annee

)

select * from final
