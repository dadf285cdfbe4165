-- Every current commune of France with its EPCI, its territoire d'action, its latest legal population,
-- and the perimeter flags: inside the configured département, and inside the perimeter. With scope
-- 'departement' the perimeter is the département's communes plus every commune of an EPCI that has at least
-- one commune in it (cross-border EPCI are whole); with scope 'france' it is every commune.
with

communes as (

    select * from {{ ref('stg_insee__communes') }}
    where typecom = 'COM'

),

codes as (

    select * from {{ ref('int_communes_codes_mapped') }}

),

epci_communes as (

    select * from {{ ref('stg_dgcl__epci_communes') }}

),

territoires_action as (

    select * from {{ ref('stg_departement__territoires_action') }}

),

populations as (

    select * from {{ ref('stg_insee__populations_legales') }}

),

derniere_annee as (

    select max(annee) as annee
    from populations

),

epci_par_commune as (

    select
        codes.code_commune,
        epci_communes.code_epci,
        epci_communes.libelle_epci
    from epci_communes
    inner join codes on epci_communes.code_commune = codes.code_source
    qualify row_number() over (partition by codes.code_commune order by epci_communes.code_epci) = 1

),

territoire_par_commune as (

    select
        codes.code_commune,
        territoires_action.code_territoire,
        territoires_action.libelle_territoire
    from territoires_action
    inner join codes on territoires_action.code_commune = codes.code_source
    qualify row_number() over (
        partition by codes.code_commune order by territoires_action.code_territoire
    ) = 1

),

population_par_commune as (

    select
        codes.code_commune,
        sum(populations.population_municipale)::bigint as population_municipale
    from populations
    inner join codes on populations.code_commune = codes.code_source
    inner join derniere_annee on populations.annee = derniere_annee.annee
    group by codes.code_commune

),

located as (

    select
        communes.code_commune,
        communes.libelle,
        communes.code_departement,
        communes.code_region,
        epci_par_commune.code_epci,
        epci_par_commune.libelle_epci,
        population_par_commune.population_municipale,
        coalesce(communes.code_departement = '{{ var("departement") }}', false) as est_dans_departement,
        case
            when communes.code_departement = '{{ var("departement") }}'
                then territoire_par_commune.code_territoire
        end as code_territoire_action,
        case
            when communes.code_departement = '{{ var("departement") }}'
                then territoire_par_commune.libelle_territoire
        end as libelle_territoire_action
    from communes
    left join epci_par_commune on communes.code_commune = epci_par_commune.code_commune
    left join territoire_par_commune on communes.code_commune = territoire_par_commune.code_commune
    left join population_par_commune on communes.code_commune = population_par_commune.code_commune

),

epci_du_departement as (

    select distinct code_epci
    from located
    where est_dans_departement and code_epci is not null

),

final as (

    select
        located.code_commune,
        located.libelle,
        located.code_departement,
        located.code_region,
        located.code_epci,
        located.libelle_epci,
        located.code_territoire_action,
        located.libelle_territoire_action,
        located.population_municipale,
        located.est_dans_departement,
        (
            {{ var("scope") == "france" }}
            or located.est_dans_departement
            or epci_du_departement.code_epci is not null
        ) as est_dans_perimetre
    from located
    left join epci_du_departement on located.code_epci = epci_du_departement.code_epci

)

select * from final
