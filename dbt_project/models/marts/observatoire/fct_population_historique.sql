-- Population municipale of the configured département and of each of its EPCI, every vintage published
-- (contracts §4 marts.fct_population_historique), for the Panorama's evolution chart. Read from the facts as
-- published: a vintage a source publishes for one région only (seed millesimes_regionaux) is there only where
-- it covers the territory whole and the setting shows it, and says so in `couverture`.
with

faits as (

    select * from {{ ref('fct_indicateur_territoire') }}
    where code_indicateur = 'population_municipale'

),

territoires as (

    select * from {{ ref('dim_territoire') }}

),

millesimes_regionaux as (

    select * from {{ ref('millesimes_regionaux') }}

),

territoires_retenus as (

    select *
    from territoires
    where
        code_departement = '{{ var("departement") }}'
        and (niveau = 'epci' or (niveau = 'departement' and code = '{{ var("departement") }}'))

),

final as (

    select
        faits.code_territoire,
        territoires_retenus.niveau,
        territoires_retenus.libelle as libelle_territoire,
        territoires_retenus.code_departement,
        faits.annee,
        faits.valeur::bigint as population_municipale,
        faits.source,
        coalesce(millesimes_regionaux.libelle_couverture, 'France entière') as couverture
    from faits
    inner join territoires_retenus on faits.code_territoire = territoires_retenus.code_territoire
    left join millesimes_regionaux
        on
            list_contains(string_split(faits.source, ' / '), millesimes_regionaux.source)
            and faits.annee = millesimes_regionaux.annee
            and faits.code_indicateur = millesimes_regionaux.code_mesure
    where faits.valeur is not null

)

select * from final
