-- The episode and contact-chain marts describe the same episodes: every episode has at least one
-- chain, every chain's episode exists, and the chain counts agree. Returns the disagreeing episodes.
with

episodes as (
    select
        episode_id,
        chain_count,
        assisted_chain_count
    from {{ ref('fct_episode_outcomes') }}
),

chains_per_episode as (
    select
        episode_id,
        count(*) as chain_count,
        sum(case when is_assisted then 1 else 0 end) as assisted_chain_count
    from {{ ref('fct_contact_outcomes') }}
    group by episode_id
)

select
    coalesce(episodes.episode_id, chains_per_episode.episode_id) as episode_id,
    episodes.chain_count as episode_mart_chains,
    chains_per_episode.chain_count as chain_mart_chains
from episodes
full outer join chains_per_episode
    on episodes.episode_id = chains_per_episode.episode_id
where
    episodes.episode_id is null
    or chains_per_episode.episode_id is null
    or episodes.chain_count <> chains_per_episode.chain_count
    or episodes.assisted_chain_count <> chains_per_episode.assisted_chain_count
