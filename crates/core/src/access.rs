//! Roles and what each may do.
//!
//! Access is decided here, in one table, so the HTTP layer only names the
//! permission an endpoint needs and the role × endpoint matrix has a single
//! source of truth.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Supervisor,
    Agent,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Supervisor, Role::Agent];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Agent => "agent",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Something an endpoint needs the caller to be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Permission {
    /// Read and write contacts, accounts, cases and the timeline; read products.
    WorkRecords,
    /// Delete contacts, accounts and cases; edit or delete others' notes.
    SuperviseRecords,
    /// See the list of agents.
    ViewAgents,
    /// Create, change and deactivate agents; manage API tokens.
    ManageAgents,
    /// Change configuration (products today; queues, widgets… later).
    Configure,
    /// Read the operational figures (`/metrics`): queue depths, rates,
    /// backlogs say how the business is doing, so they are not public.
    ViewMetrics,
}

impl Permission {
    /// The roles that hold this permission. Roles are not a ladder on purpose:
    /// each permission lists its roles explicitly.
    pub fn roles(self) -> &'static [Role] {
        use Role::*;
        match self {
            Permission::WorkRecords => &[Admin, Supervisor, Agent],
            Permission::SuperviseRecords => &[Admin, Supervisor],
            Permission::ViewAgents => &[Admin, Supervisor],
            Permission::ManageAgents => &[Admin],
            Permission::Configure => &[Admin],
            Permission::ViewMetrics => &[Admin, Supervisor],
        }
    }

    pub fn allows(self, roles: &[Role]) -> bool {
        roles.iter().any(|r| self.roles().contains(r))
    }
}

/// Parses a stored comma-separated role list, ignoring unknown names.
pub fn parse_roles(s: &str) -> Vec<Role> {
    let mut roles: Vec<Role> = s.split(',').filter_map(|r| Role::parse(r.trim())).collect();
    roles.sort();
    roles.dedup();
    roles
}

pub fn format_roles(roles: &[Role]) -> String {
    let mut roles = roles.to_vec();
    roles.sort();
    roles.dedup();
    roles
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// Which queues a caller watches: the one rule for what supervisors see of
/// the work (every surface asks it; the server decides who watches what
/// from the store, `auth::watch`).
///
/// - `All`: every queue (admins).
/// - `Only`: these queues (a supervisor's; none for anyone else). Outside
///   them a caller has only an agent's rights (their own work).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Watch {
    /// Every queue (admins).
    All,
    /// These queues only (possibly none).
    Only(std::collections::HashSet<String>),
}

impl Watch {
    /// Watches nothing: an agent, or a supervisor of no queue.
    pub fn nothing() -> Watch {
        Watch::Only(Default::default())
    }

    pub fn is_all(&self) -> bool {
        matches!(self, Watch::All)
    }

    /// Whether the caller watches this queue.
    pub fn queue(&self, id: &str) -> bool {
        match self {
            Watch::All => true,
            Watch::Only(queues) => queues.contains(id),
        }
    }

    /// The watched queues, sorted; `None` for all.
    pub fn queue_ids(&self) -> Option<Vec<String>> {
        match self {
            Watch::All => None,
            Watch::Only(queues) => {
                let mut v: Vec<String> = queues.iter().cloned().collect();
                v.sort();
                Some(v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn agents_work_records_but_do_not_configure() {
        assert!(Permission::WorkRecords.allows(&[Role::Agent]));
        assert!(!Permission::Configure.allows(&[Role::Agent]));
        assert!(!Permission::Configure.allows(&[Role::Supervisor]));
        assert!(Permission::Configure.allows(&[Role::Agent, Role::Admin]));
        assert!(!Permission::WorkRecords.allows(&[]));
    }

    #[test]
    fn roles_round_trip() {
        assert_eq!(
            parse_roles("agent,admin,agent,bogus"),
            vec![Role::Admin, Role::Agent]
        );
        assert_eq!(format_roles(&[Role::Agent, Role::Admin]), "admin,agent");
    }

    #[test]
    fn all_sees_every_queue_and_only_its_own() {
        assert!(Watch::All.queue("q1"));
        assert_eq!(Watch::All.queue_ids(), None);
        let mine = Watch::Only(["b".to_owned(), "a".to_owned()].into_iter().collect());
        assert!(mine.queue("a") && !mine.queue("c"));
        assert_eq!(mine.queue_ids(), Some(vec!["a".to_owned(), "b".to_owned()]));
        let none = Watch::nothing();
        assert!(!none.queue("a"));
        assert_eq!(none.queue_ids(), Some(vec![]));
    }
}
