//! Every endpoint and who may call it: the single table the handlers, the
//! OpenAPI document and the role × endpoint matrix test all read.

use switchboard_core::access::Permission;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    /// Anyone, signed in or not.
    Public,
    /// Any signed-in agent or token.
    SignedIn,
    /// Signed in and holding the permission.
    Needs(Permission),
}

#[derive(Debug, Clone, Copy)]
pub struct Endpoint {
    pub method: &'static str,
    pub path: &'static str,
    pub who: Who,
}

use Permission::*;
use Who::*;

const fn e(method: &'static str, path: &'static str, who: Who) -> Endpoint {
    Endpoint { method, path, who }
}

pub const ENDPOINTS: &[Endpoint] = &[
    e("GET", "/healthz", Public),
    e("GET", "/readyz", Public),
    e("GET", "/metrics", Needs(ViewMetrics)),
    e("GET", "/api/v1/openapi.json", Public),
    e("POST", "/api/v1/session", Public),
    e("GET", "/api/v1/session", SignedIn),
    e("DELETE", "/api/v1/session", SignedIn),
    e("GET", "/api/v1/agents", Needs(ViewAgents)),
    e("POST", "/api/v1/agents", Needs(ManageAgents)),
    e("GET", "/api/v1/agents/{id}", Needs(ViewAgents)),
    e("PATCH", "/api/v1/agents/{id}", Needs(ManageAgents)),
    e("GET", "/api/v1/tokens", Needs(ManageAgents)),
    e("POST", "/api/v1/tokens", Needs(ManageAgents)),
    e("DELETE", "/api/v1/tokens/{id}", Needs(ManageAgents)),
    e("GET", "/api/v1/audit-log", Needs(Configure)),
    e("GET", "/api/v1/reports/work-items", Needs(ViewMetrics)),
    e(
        "GET",
        "/api/v1/reports/work-items/chart",
        Needs(ViewMetrics),
    ),
    e("GET", "/api/v1/reports/activity", Needs(ViewMetrics)),
    e("GET", "/api/v1/reports/waiting", Needs(ViewMetrics)),
    e("GET", "/api/v1/reports/waiting/chart", Needs(ViewMetrics)),
    e("GET", "/api/v1/planner/traffic", Needs(ViewMetrics)),
    e("POST", "/api/v1/planner/runs", Needs(ViewMetrics)),
    e("GET", "/api/v1/webhooks", Needs(Configure)),
    e("POST", "/api/v1/webhooks", Needs(Configure)),
    e("GET", "/api/v1/webhooks/{id}", Needs(Configure)),
    e("PUT", "/api/v1/webhooks/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/webhooks/{id}", Needs(Configure)),
    e("GET", "/api/v1/webhooks/{id}/deliveries", Needs(Configure)),
    e("POST", "/api/v1/webhooks/{id}/test", Needs(Configure)),
    e(
        "POST",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/retry",
        Needs(Configure),
    ),
    e("GET", "/api/v1/contacts", Needs(WorkRecords)),
    e("POST", "/api/v1/contacts", Needs(WorkRecords)),
    e("POST", "/api/v1/contacts/import", Needs(Configure)),
    e(
        "GET",
        "/api/v1/contacts/import/progress/{id}",
        Needs(Configure),
    ),
    e("GET", "/api/v1/config", Needs(Configure)),
    e("POST", "/api/v1/config/apply", Needs(Configure)),
    e("GET", "/api/v1/contacts/{id}", Needs(WorkRecords)),
    e("PATCH", "/api/v1/contacts/{id}", Needs(WorkRecords)),
    e("DELETE", "/api/v1/contacts/{id}", Needs(SuperviseRecords)),
    e("GET", "/api/v1/contacts/{id}/cases", Needs(WorkRecords)),
    e("GET", "/api/v1/contacts/{id}/timeline", Needs(WorkRecords)),
    // A customer tab in the workspace: the summary without a conversation.
    e("GET", "/api/v1/contacts/{id}/summary", Needs(WorkRecords)),
    e("GET", "/api/v1/accounts", Needs(WorkRecords)),
    e("POST", "/api/v1/accounts", Needs(WorkRecords)),
    e("GET", "/api/v1/accounts/{id}", Needs(WorkRecords)),
    e("PATCH", "/api/v1/accounts/{id}", Needs(WorkRecords)),
    e("DELETE", "/api/v1/accounts/{id}", Needs(SuperviseRecords)),
    e("GET", "/api/v1/products", Needs(WorkRecords)),
    e("POST", "/api/v1/products", Needs(Configure)),
    e("GET", "/api/v1/products/{id}", Needs(WorkRecords)),
    e("PATCH", "/api/v1/products/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/products/{id}", Needs(Configure)),
    e("GET", "/api/v1/cases", Needs(WorkRecords)),
    e("POST", "/api/v1/cases", Needs(WorkRecords)),
    e("GET", "/api/v1/cases/{id}", Needs(WorkRecords)),
    e("PATCH", "/api/v1/cases/{id}", Needs(WorkRecords)),
    e("DELETE", "/api/v1/cases/{id}", Needs(SuperviseRecords)),
    e("POST", "/api/v1/activities", Needs(WorkRecords)),
    e("GET", "/api/v1/activities/{id}", Needs(WorkRecords)),
    // Authors edit their own notes; supervisors and admins anyone's.
    e("PATCH", "/api/v1/activities/{id}", Needs(WorkRecords)),
    e("DELETE", "/api/v1/activities/{id}", Needs(WorkRecords)),
    // Routing configuration: everyone reads what agents need, admins change it.
    e("GET", "/api/v1/skills", Needs(WorkRecords)),
    e("POST", "/api/v1/skills", Needs(Configure)),
    e("DELETE", "/api/v1/skills/{id}", Needs(Configure)),
    e("GET", "/api/v1/capacity-profiles", Needs(ViewAgents)),
    e("POST", "/api/v1/capacity-profiles", Needs(Configure)),
    e("PUT", "/api/v1/capacity-profiles/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/capacity-profiles/{id}", Needs(Configure)),
    e("GET", "/api/v1/queues", Needs(WorkRecords)),
    e("POST", "/api/v1/queues", Needs(Configure)),
    e("GET", "/api/v1/queues/{id}", Needs(WorkRecords)),
    e("PUT", "/api/v1/queues/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/queues/{id}", Needs(Configure)),
    e("GET", "/api/v1/queues/{id}/stats", Needs(ViewAgents)),
    e("GET", "/api/v1/routing-rules", Needs(ViewAgents)),
    e("PUT", "/api/v1/routing-rules", Needs(Configure)),
    // The rule tester reads and decides nothing: whoever reads the rules.
    e("POST", "/api/v1/routing-rules/test", Needs(ViewAgents)),
    e("GET", "/api/v1/agents/{id}/routing", Needs(ViewAgents)),
    e("PUT", "/api/v1/agents/{id}/routing", Needs(Configure)),
    // Work items: integrations and agents submit; the offered/assigned agent
    // answers (checked by the engine), supervisors may close or transfer
    // those of their queues (auth::watch), admins any.
    e("POST", "/api/v1/work-items", Needs(WorkRecords)),
    e("GET", "/api/v1/work-items/{id}", Needs(WorkRecords)),
    e("POST", "/api/v1/work-items/{id}/accept", Needs(WorkRecords)),
    e("POST", "/api/v1/work-items/{id}/reject", Needs(WorkRecords)),
    e("POST", "/api/v1/work-items/{id}/close", Needs(WorkRecords)),
    e(
        "POST",
        "/api/v1/work-items/{id}/transfer",
        Needs(WorkRecords),
    ),
    // Ending a customer's conversation on their behalf: channels run in
    // process; over HTTP only supervisors, admins and their tokens may.
    e(
        "POST",
        "/api/v1/work-items/{id}/abandon",
        Needs(SuperviseRecords),
    ),
    // A supervisor gives a waiting item to an agent; the live overview.
    e(
        "POST",
        "/api/v1/work-items/{id}/assign",
        Needs(SuperviseRecords),
    ),
    e("GET", "/api/v1/supervisor/overview", Needs(ViewAgents)),
    e("GET", "/api/v1/me/presence", SignedIn),
    e("PUT", "/api/v1/me/presence", SignedIn),
    e("GET", "/api/v1/ws", SignedIn),
    // Chat: admins configure widgets, supervisors read them (the admin
    // center's Chat screen, read-only; a host-site secret is never shown to
    // anyone); agents work their conversations (the handlers narrow to the
    // agent's own, supervisors to their queues' and their own: auth::watch).
    e("GET", "/api/v1/widgets", Needs(ViewAgents)),
    e("POST", "/api/v1/widgets", Needs(Configure)),
    e("GET", "/api/v1/widgets/{id}", Needs(ViewAgents)),
    e("PUT", "/api/v1/widgets/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/widgets/{id}", Needs(Configure)),
    e(
        "GET",
        "/api/v1/widgets/{id}/proactive-rules",
        Needs(ViewAgents),
    ),
    e(
        "PUT",
        "/api/v1/widgets/{id}/proactive-rules",
        Needs(Configure),
    ),
    e(
        "GET",
        "/api/v1/widgets/{id}/proactive-rules/stats",
        Needs(ViewAgents),
    ),
    e(
        "POST",
        "/api/v1/widgets/{id}/proactive-rules/test",
        Needs(ViewAgents),
    ),
    e("GET", "/api/v1/conversations", Needs(WorkRecords)),
    e("GET", "/api/v1/conversations/{id}", Needs(WorkRecords)),
    e(
        "GET",
        "/api/v1/conversations/{id}/messages",
        Needs(WorkRecords),
    ),
    e(
        "POST",
        "/api/v1/conversations/{id}/messages",
        Needs(WorkRecords),
    ),
    e("POST", "/api/v1/conversations/{id}/end", Needs(WorkRecords)),
    e("GET", "/api/v1/visitors/{id}", Needs(WorkRecords)),
    // The agent workspace: sessions narrow to the agent's own work items
    // (routes/workspace.rs); admins write scripts and canned responses.
    e("GET", "/api/v1/work-items/{id}/summary", Needs(WorkRecords)),
    e(
        "POST",
        "/api/v1/work-items/{id}/script-steps",
        Needs(WorkRecords),
    ),
    e("POST", "/api/v1/work-items/{id}/macros", Needs(WorkRecords)),
    e("PUT", "/api/v1/conversations/{id}/case", Needs(WorkRecords)),
    e(
        "PUT",
        "/api/v1/conversations/{id}/contact",
        Needs(WorkRecords),
    ),
    e("GET", "/api/v1/agent-scripts", Needs(WorkRecords)),
    e("POST", "/api/v1/agent-scripts", Needs(Configure)),
    e("GET", "/api/v1/agent-scripts/{id}", Needs(WorkRecords)),
    e("PUT", "/api/v1/agent-scripts/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/agent-scripts/{id}", Needs(Configure)),
    e("GET", "/api/v1/agent-script-rules", Needs(WorkRecords)),
    e("PUT", "/api/v1/agent-script-rules", Needs(Configure)),
    e("GET", "/api/v1/canned-responses", Needs(WorkRecords)),
    e("POST", "/api/v1/canned-responses", Needs(Configure)),
    e("PUT", "/api/v1/canned-responses/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/canned-responses/{id}", Needs(Configure)),
    // Scheduling: everyone who works records books and reads; admins set
    // up branches, topics and advisors.
    e("GET", "/api/v1/scheduling/properties", Needs(WorkRecords)),
    e("GET", "/api/v1/scheduling/slots", Needs(WorkRecords)),
    e("GET", "/api/v1/branches", Needs(WorkRecords)),
    e("POST", "/api/v1/branches", Needs(Configure)),
    e("PUT", "/api/v1/branches/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/branches/{id}", Needs(Configure)),
    e("GET", "/api/v1/topics", Needs(WorkRecords)),
    e("POST", "/api/v1/topics", Needs(Configure)),
    e("PUT", "/api/v1/topics/{id}", Needs(Configure)),
    e("DELETE", "/api/v1/topics/{id}", Needs(Configure)),
    e("GET", "/api/v1/advisors", Needs(WorkRecords)),
    e("GET", "/api/v1/advisors/{id}", Needs(WorkRecords)),
    e("PUT", "/api/v1/advisors/{id}", Needs(Configure)),
    e("GET", "/api/v1/advisors/{id}/time-off", Needs(WorkRecords)),
    e("POST", "/api/v1/advisors/{id}/time-off", Needs(Configure)),
    e(
        "DELETE",
        "/api/v1/advisors/{id}/time-off/{time_off_id}",
        Needs(Configure),
    ),
    e("POST", "/api/v1/meetings", Needs(WorkRecords)),
    e("GET", "/api/v1/meetings/{id}", Needs(WorkRecords)),
    e("POST", "/api/v1/meetings/{id}/cancel", Needs(WorkRecords)),
    e(
        "POST",
        "/api/v1/meetings/{id}/staff-cancel",
        Needs(WorkRecords),
    ),
    e("POST", "/api/v1/meetings/{id}/move", Needs(WorkRecords)),
    // Agents mark their own meetings only (the handler answers 404 for
    // others'); supervisors and admins anyone's.
    e("POST", "/api/v1/meetings/{id}/no-show", Needs(WorkRecords)),
    e(
        "DELETE",
        "/api/v1/meetings/{id}/no-show",
        Needs(WorkRecords),
    ),
    e("GET", "/api/v1/contacts/{id}/meetings", Needs(WorkRecords)),
    // Voice: callbacks for whoever works records (integrations schedule
    // them with a token); SIP accounts are agent administration.
    e("POST", "/api/v1/callbacks", Needs(WorkRecords)),
    // The list holds customers' numbers: supervisors (their queues') and
    // admins.
    e("GET", "/api/v1/callbacks", Needs(ViewAgents)),
    e("GET", "/api/v1/callbacks/{id}", Needs(WorkRecords)),
    e("DELETE", "/api/v1/callbacks/{id}", Needs(WorkRecords)),
    e(
        "PUT",
        "/api/v1/agents/{id}/sip-account",
        Needs(ManageAgents),
    ),
    e("GET", "/api/v1/voice/status", Needs(ViewAgents)),
    // The outbound dial audit (issue 13): admins.
    e("GET", "/api/v1/voice/dials", Needs(ManageAgents)),
    // Calls: the handlers narrow agents to their own calls, supervisors to
    // their queues' and their own.
    e("GET", "/api/v1/work-items/{id}/call", Needs(WorkRecords)),
    e(
        "PUT",
        "/api/v1/work-items/{id}/call/contact",
        Needs(WorkRecords),
    ),
    e("GET", "/api/v1/calls", Needs(WorkRecords)),
    e("GET", "/api/v1/queues/{id}/prompts", Needs(WorkRecords)),
    e(
        "GET",
        "/api/v1/queues/{id}/prompts/{prompt}/{language}/audio",
        Needs(WorkRecords),
    ),
    e(
        "PUT",
        "/api/v1/queues/{id}/prompts/{prompt}/{language}",
        Needs(Configure),
    ),
    e(
        "DELETE",
        "/api/v1/queues/{id}/prompts/{prompt}/{language}",
        Needs(Configure),
    ),
    // Communications: admins only (the outbox holds customers' messages).
    e("GET", "/api/v1/communications/settings", Needs(Configure)),
    e("PUT", "/api/v1/communications/settings", Needs(Configure)),
    e("PATCH", "/api/v1/communications/settings", Needs(Configure)),
    e("GET", "/api/v1/communications/templates", Needs(Configure)),
    e(
        "PUT",
        "/api/v1/communications/templates/{kind}/{channel}/{language}",
        Needs(Configure),
    ),
    e(
        "DELETE",
        "/api/v1/communications/templates/{kind}/{channel}/{language}",
        Needs(Configure),
    ),
    e(
        "POST",
        "/api/v1/communications/templates/{kind}/{channel}/{language}/preview",
        Needs(Configure),
    ),
    e("GET", "/api/v1/communications/outbox", Needs(Configure)),
    e(
        "POST",
        "/api/v1/communications/outbox/{id}/retry",
        Needs(Configure),
    ),
    e("GET", "/api/v1/communications/transports", Needs(Configure)),
    e(
        "POST",
        "/api/v1/communications/test-message",
        Needs(Configure),
    ),
    // Self-service booking and cancel pages: public, rate limited per IP;
    // the cancel link's signed token proves the customer. SMS providers'
    // inbound webhooks check the provider's signature.
    e("GET", "/public/v1/scheduling/properties", Public),
    e("GET", "/public/v1/scheduling/slots", Public),
    e("POST", "/public/v1/meetings", Public),
    e("GET", "/public/v1/meetings/{id}", Public),
    e("POST", "/public/v1/meetings/{id}/cancel", Public),
    e("POST", "/public/v1/meetings/{id}/confirm", Public),
    e("GET", "/public/v1/meetings/{id}/calendar.ics", Public),
    e("POST", "/sms/v1/twilio/inbound", Public),
    e("POST", "/sms/v1/webhook/inbound", Public),
    // The widget's own endpoints: public for the access table; the origin
    // allow-list and the visitor token guard them (routes/visitor.rs).
    e("GET", "/widget/v1/{widget_id}/config", Public),
    e("POST", "/widget/v1/{widget_id}/visitors", Public),
    e("POST", "/widget/v1/{widget_id}/events", Public),
    e("POST", "/widget/v1/{widget_id}/invitations", Public),
    e("POST", "/widget/v1/{widget_id}/invitations/{id}", Public),
    e("POST", "/widget/v1/{widget_id}/conversations", Public),
    e("GET", "/widget/v1/{widget_id}/conversations/{id}", Public),
    e(
        "GET",
        "/widget/v1/{widget_id}/conversations/{id}/messages",
        Public,
    ),
    e(
        "GET",
        "/widget/v1/{widget_id}/conversations/{id}/transcript",
        Public,
    ),
    e(
        "POST",
        "/widget/v1/{widget_id}/conversations/{id}/rating",
        Public,
    ),
    e("GET", "/widget/v1/{widget_id}/ws", Public),
];

/// The methods the table opens on `path` (path as templated in the router).
pub fn methods(path: &str) -> Vec<&'static str> {
    ENDPOINTS
        .iter()
        .filter(|e| e.path == path)
        .map(|e| e.method)
        .collect()
}

/// Who may call `method path` (path as templated in the router).
pub fn who(method: &str, path: &str) -> Option<Who> {
    ENDPOINTS
        .iter()
        .find(|e| e.method == method && e.path == path)
        .map(|e| e.who)
}

impl Who {
    /// Human-readable, for the API documentation.
    pub fn describe(self) -> String {
        match self {
            Who::Public => "Who may call: anyone (no authentication).".to_owned(),
            Who::SignedIn => "Who may call: any signed-in agent or API token.".to_owned(),
            Who::Needs(p) => {
                let roles: Vec<_> = p.roles().iter().map(|r| r.as_str()).collect();
                format!("Who may call: roles {}.", roles.join(", "))
            }
        }
    }
}
