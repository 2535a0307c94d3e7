//! The agent script a session follows: which one applies, which steps it
//! reaches (sub-scripts included), and marking instruction steps done.

use serde::Deserialize;
use serde_json::{json, Value};
use switchboard_core::scripts::Step;
use switchboard_core::Invalid;
use switchboard_routing::engine::WorkItemView;

use crate::{Actor, Workspace, WorkspaceError, WorkspaceResult};

/// A step of a script, as an agent names it.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StepRef {
    pub script_id: String,
    pub step_id: String,
}

/// A script's id, name and steps.
pub(crate) type Script = (String, String, Vec<Step>);

/// How many scripts one session may reach through sub-scripts.
const MAX_REACHABLE: usize = 50;

impl Workspace {
    /// The script chosen for a work item: the first rule for its queue, or
    /// for its channel, or for everything.
    pub(crate) async fn script_for(&self, item: &WorkItemView) -> WorkspaceResult<Option<Script>> {
        for rule in self.db.script_rules().await? {
            let fits = match (&rule.queue_id, &rule.channel) {
                (Some(q), _) => *q == item.queue_id,
                (None, Some(c)) => *c == item.channel,
                (None, None) => true,
            };
            if fits {
                let script = self.db.script(&rule.script_id).await?;
                let steps: Vec<Step> = serde_json::from_str(&script.steps)
                    .map_err(|e| WorkspaceError::Internal(e.to_string()))?;
                return Ok(Some((script.id, script.name, steps)));
            }
        }
        Ok(None)
    }

    /// A step of the session's script (or of a sub-script it loads).
    pub(crate) async fn find_step(
        &self,
        item: &WorkItemView,
        r: &StepRef,
    ) -> WorkspaceResult<Step> {
        // The script must be the session's or one reachable from it.
        let Some((root, _, root_steps)) = self.script_for(item).await? else {
            return Err(WorkspaceError::Conflict(
                "no agent script applies to this work item".into(),
            ));
        };
        let mut reachable = vec![root.clone()];
        let mut frontier = vec![(root, root_steps)];
        let mut found = None;
        while let Some((script, steps)) = frontier.pop() {
            for step in steps {
                if script == r.script_id && step.id() == r.step_id {
                    found = Some(step.clone());
                }
                if let Step::Subscript { script_id, .. } = &step {
                    if !reachable.contains(script_id) && reachable.len() < MAX_REACHABLE {
                        reachable.push(script_id.clone());
                        if let Ok(sub) = self.db.script(script_id).await {
                            if let Ok(sub_steps) = serde_json::from_str::<Vec<Step>>(&sub.steps) {
                                frontier.push((script_id.clone(), sub_steps));
                            }
                        }
                    }
                }
            }
        }
        if !reachable.contains(&r.script_id) {
            return Err(Invalid::one("script_id", "unknown", "not this session's script").into());
        }
        found
            .ok_or_else(|| Invalid::one("step_id", "unknown", "no such step in this script").into())
    }

    /// Marks an instruction step done; the answer is the script's progress.
    pub async fn step_done(
        &self,
        who: &Actor,
        item_id: &str,
        r: &StepRef,
    ) -> WorkspaceResult<Value> {
        let item = self.item_to_change(who, item_id).await?;
        let step = self.find_step(&item, r).await?;
        if matches!(step, Step::Macro { .. }) {
            return Err(WorkspaceError::Conflict(
                "a macro step is done by running it".into(),
            ));
        }
        let done = self
            .db
            .step_done(&item.id, &r.script_id, &r.step_id, who.agent_id.as_deref())
            .await?;
        Ok(json!({"script_id": r.script_id, "done": done}))
    }
}
