//! The routing vocabulary: queues, agents, skills, capacity, presence, work items.

use serde::{Deserialize, Serialize};

/// Milliseconds on some clock (wall or virtual).
pub type Millis = u64;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AgentIx(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct QueueIx(pub u32);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct SkillIx(pub u16);
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct ItemId(pub u64);

/// What capacity a work item uses: chats share an agent, calls usually do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ChannelKind {
    Messaging,
    Voice,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Available,
    Busy,
    DoNotDisturb,
    Away,
    Offline,
}

/// How a queue picks among agents who can take an item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum AssignmentMethod {
    /// Most free capacity for the channel; ties go round robin.
    HighestCapacity,
    /// In turn: the agent assigned from this queue longest ago first.
    RoundRobin,
    /// Longest since the agent last released capacity (voice default).
    LeastActive,
    /// Longest since the agent had no work at all.
    LongestIdle,
}

/// `exact`: only agents meeting every required skill; `closest`: exact
/// matches first, then over-qualified, then under-qualified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SkillMatch {
    Exact,
    Closest,
}

/// Units an agent can hold at once, per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Capacity {
    pub messaging: u8,
    pub voice: u8,
    /// A call takes the whole agent: no chats while on a call, and no call
    /// while chats are open.
    pub voice_blocks_others: bool,
    /// Capacity stays held this long after an item closes.
    pub wrap_up_ms: Millis,
}

impl Default for Capacity {
    fn default() -> Self {
        Self {
            messaging: 3,
            voice: 1,
            voice_blocks_others: true,
            wrap_up_ms: 0,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueueConfig {
    pub name: String,
    pub channel: ChannelKind,
    /// Higher is served first across queues.
    pub priority: i32,
    pub method: AssignmentMethod,
    pub offer_timeout_ms: Millis,
    /// Declines by one agent after which the item skips that agent (1–5).
    pub declines_allowed: u8,
    pub members: Vec<AgentIx>,
}

impl QueueConfig {
    pub fn new(name: &str, channel: ChannelKind, members: Vec<AgentIx>) -> Self {
        Self {
            name: name.to_owned(),
            channel,
            priority: 0,
            method: match channel {
                ChannelKind::Voice => AssignmentMethod::LeastActive,
                ChannelKind::Messaging => AssignmentMethod::HighestCapacity,
            },
            offer_timeout_ms: 60_000,
            declines_allowed: 3,
            members,
        }
    }
}

/// A skill an item needs, at a minimum proficiency (1–10).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SkillNeed {
    pub skill: SkillIx,
    pub min: u8,
}

/// How well an agent's skills fit a requirement; lower ranks first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Fit {
    /// Every skill at exactly the required level.
    Exact,
    /// Every skill, some above the required level (total surplus).
    Over(u16),
    /// Some skill missing or below (total shortfall).
    Under(u16),
}

/// Compares an agent's sorted skills with a requirement.
pub fn fit(agent_skills: &[(SkillIx, u8)], needs: &[SkillNeed]) -> Fit {
    let (mut surplus, mut shortfall) = (0u16, 0u16);
    for need in needs {
        let level = agent_skills
            .binary_search_by_key(&need.skill, |(s, _)| *s)
            .map(|i| agent_skills[i].1)
            .unwrap_or(0);
        if level >= need.min {
            surplus += u16::from(level - need.min);
        } else {
            shortfall += u16::from(need.min - level);
        }
    }
    match (shortfall, surplus) {
        (0, 0) => Fit::Exact,
        (0, s) => Fit::Over(s),
        (s, _) => Fit::Under(s),
    }
}
