{#- How well the comment signal tracks what customers scored, overall and within each language, age
    band and region (the bias check): per group, the mean CSAT of comments read as negative, neutral
    and positive, and the share of comments whose polarity agrees with the CSAT given. A group whose
    agreement falls more than the registry's tolerance below everyone else's is flagged: the
    lexicon reads that group's comments worse. -#}
with

signals as (
    select * from {{ ref('fct_comment_signals') }}
    where csat_score is not null
),

calibration_definition as (
    select
        version as calibration_definition_version,
        threshold as agreement_tolerance,
        minimum_volume
    from {{ ref('metric_registry') }}
    where metric_id = 'comment_signal_agreement' and status = 'active'
),

grouped as (
    select
        'all' as dimension,
        'all' as customer_group,
        signals.*
    from signals
    union all
    select
        'user_language' as dimension,
        coalesce(user_language, 'unknown') as customer_group,
        signals.*
    from signals
    union all
    select
        'age_band' as dimension,
        coalesce(age_band, 'unknown') as customer_group,
        signals.*
    from signals
    union all
    select
        'region' as dimension,
        coalesce(region, 'unknown') as customer_group,
        signals.*
    from signals
),

per_group as (
    select
        dimension,
        customer_group,
        count(*) as scored_comments,
        sum(case when comment_polarity = csat_polarity then 1 else 0 end) as agreeing_comments,
        avg(case when comment_polarity = 'negative' then csat_score end) as mean_csat_when_negative,
        avg(case when comment_polarity = 'neutral' then csat_score end) as mean_csat_when_neutral,
        avg(case when comment_polarity = 'positive' then csat_score end) as mean_csat_when_positive,
        -- Undefined, so null rather than NaN, for one comment or no spread in either score.
        case
            when stddev_pop(comment_score) > 0 and stddev_pop(csat_score) > 0
                then corr(comment_score, csat_score)
        end as score_correlation
    from grouped
    group by dimension, customer_group
),

with_rest as (
    select
        *,
        sum(scored_comments) over (partition by dimension) - scored_comments as rest_scored_comments,
        sum(agreeing_comments) over (partition by dimension) - agreeing_comments as rest_agreeing_comments
    from per_group
),

with_definition as (
    select
        with_rest.*,
        calibration_definition.calibration_definition_version,
        calibration_definition.agreement_tolerance,
        calibration_definition.minimum_volume
    from with_rest
    cross join calibration_definition
),

final as (
    select
        -- keys
        {{ dbt.concat(['dimension', "'|'", 'customer_group']) }} as calibration_key,
        dimension,
        customer_group,

        -- agreement parts
        cast(scored_comments as {{ dbt.type_bigint() }}) as scored_comments,
        cast(agreeing_comments as {{ dbt.type_bigint() }}) as agreeing_comments,
        cast(agreeing_comments as {{ type_double() }}) / scored_comments as agreement_rate,
        case
            when rest_scored_comments > 0
                then cast(rest_agreeing_comments as {{ type_double() }}) / rest_scored_comments
        end as rest_agreement_rate,

        -- calibration
        cast(mean_csat_when_negative as {{ type_double() }}) as mean_csat_when_negative,
        cast(mean_csat_when_neutral as {{ type_double() }}) as mean_csat_when_neutral,
        cast(mean_csat_when_positive as {{ type_double() }}) as mean_csat_when_positive,
        cast(score_correlation as {{ type_double() }}) as score_correlation,

        -- bias check
        case
            when dimension = 'all' then 'reference'
            when scored_comments < minimum_volume or rest_scored_comments < minimum_volume then 'insufficient_volume'
            when cast(agreeing_comments as {{ type_double() }}) / scored_comments
                < cast(rest_agreeing_comments as {{ type_double() }}) / rest_scored_comments - agreement_tolerance
                then 'reads_group_worse'
            else 'within_tolerance'
        end as bias_status,
        calibration_definition_version
    from with_definition
)

select * from final
