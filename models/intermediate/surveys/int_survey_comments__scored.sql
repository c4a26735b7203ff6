{#- One row per live survey response with a comment: the comment's trust and emotion scores from
    the project's lexicon (phrases found in the lower-cased comment, their weights summed). Runs
    offline; see DECISIONLOG "Trust and emotion from comments". -#}
with

responses as (
    select * from {{ ref('stg_qualtrics__survey_responses') }}
    where is_live_response and comment_text is not null
),

lexicon as (
    select * from {{ ref('comment_lexicon') }}
),

-- Words only, space-padded, so a phrase matches whole words ("solved" not inside "resolved").
normalised as (
    select
        response_id,
        {{ dbt.concat(["' '", regexp_replace_all('lower(comment_text)', '[^a-z0-9]+', ' '), "' '"]) }}
            as padded_comment
    from responses
),

matches as (
    select
        normalised.response_id,
        lexicon.signal,
        lexicon.weight
    from normalised
    inner join lexicon
        on {{ dbt.position(dbt.concat(["' '", 'lexicon.phrase', "' '"]), 'normalised.padded_comment') }} > 0
),

scores as (
    select
        response_id,
        cast(sum(case when signal = 'trust' then weight else 0 end) as {{ dbt.type_bigint() }}) as trust_score,
        cast(sum(case when signal = 'emotion' then weight else 0 end) as {{ dbt.type_bigint() }}) as emotion_score,
        count(*) as matched_phrase_count
    from matches
    group by response_id
),

final as (
    select
        responses.response_id,
        responses.user_language,
        coalesce(scores.trust_score, 0) as trust_score,
        coalesce(scores.emotion_score, 0) as emotion_score,
        coalesce(scores.trust_score, 0) + coalesce(scores.emotion_score, 0) as comment_score,
        coalesce(scores.matched_phrase_count, 0) as matched_phrase_count,
        case
            when coalesce(scores.trust_score, 0) + coalesce(scores.emotion_score, 0) > 0 then 'positive'
            when coalesce(scores.trust_score, 0) + coalesce(scores.emotion_score, 0) < 0 then 'negative'
            else 'neutral'
        end as comment_polarity
    from responses
    left join scores
        on responses.response_id = scores.response_id
)

select * from final
