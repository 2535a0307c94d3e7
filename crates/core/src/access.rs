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
}
