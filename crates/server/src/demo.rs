//! Demo data: an organization with agents, customers, cases and history,
//! loaded once (`serve --demo`) so a newcomer has something to look at.

use rand::distributions::{Alphanumeric, DistString};
use switchboard_core::access::Role;
use switchboard_core::records::*;
use switchboard_store::activities::Author;
use switchboard_store::agents::{AgentChange, AgentRecord};
use switchboard_store::Db;

use crate::auth::password;

const LOADED_KEY: &str = "demo_loaded_at";

mod traffic;
pub use traffic::load_traffic;
const ROUTING_KEY: &str = "demo_routing_loaded_at";

/// first, last, email, phone, account index, job, city, locale, channel, time zone
type Person = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    Option<usize>,
    &'static str,
    &'static str,
    &'static str,
    PreferredChannel,
    &'static str,
);

/// Credentials of a demo agent, printed on the first start only.
pub struct DemoLogin {
    pub name: String,
    pub email: String,
    pub roles: Vec<Role>,
    pub password: String,
}

/// Loads the demo once. Returns the agents' logins on the first run and
/// `None` when the data was already there. A load interrupted halfway is
/// completed by the next start (a customer already there is skipped).
pub async fn load(db: &Db) -> anyhow::Result<Option<Vec<DemoLogin>>> {
    if db.meta_get(LOADED_KEY).await?.is_some() {
        load_routing(db).await?;
        return Ok(None);
    }
    let mut logins = Vec::new();
    let mut agent_ids = Vec::new();
    for (name, email, roles) in [
        (
            "Alex Morgan",
            "admin@demo.switchboard.test",
            vec![Role::Admin],
        ),
        (
            "Sam Rivera",
            "supervisor@demo.switchboard.test",
            vec![Role::Supervisor, Role::Agent],
        ),
        ("Ana Costa", "ana@demo.switchboard.test", vec![Role::Agent]),
        (
            "Bruno Lefèvre",
            "bruno@demo.switchboard.test",
            vec![Role::Agent],
        ),
        (
            "Chloé Martin",
            "chloe@demo.switchboard.test",
            vec![Role::Agent],
        ),
    ] {
        let pw = Alphanumeric.sample_string(&mut rand::thread_rng(), 16);
        let hash = password::hash(pw.clone()).await?;
        // An earlier first load may have stopped halfway (no "loaded" mark
        // yet): its agents' passwords were never shown, so give them new ones.
        if let Some(existing) = db.agent_by_email(email).await? {
            db.update_agent_with(&existing.id, |a| {
                Ok(AgentChange {
                    name: a.name.clone(),
                    email: a.email.clone(),
                    roles: a.roles.clone(),
                    active: true,
                    password_hash: Some(hash.clone()),
                    routing: None,
                })
            })
            .await?;
            agent_ids.push(existing.id);
            logins.push(DemoLogin {
                name: name.into(),
                email: email.into(),
                roles,
                password: pw,
            });
            continue;
        }
        let agent = db
            .create_agent(&AgentRecord {
                name,
                email,
                roles: &roles,
                active: true,
                password_hash: Some(&hash),
            })
            .await?;
        agent_ids.push(agent.id);
        logins.push(DemoLogin {
            name: name.into(),
            email: email.into(),
            roles,
            password: pw,
        });
    }

    let existing_products = db.products().await?;
    let mut products = Vec::new();
    for name in [
        "Current account",
        "Credit card",
        "Home insurance",
        "Mortgage",
    ] {
        // Every step skips what an interrupted earlier load created.
        products.push(match existing_products.iter().find(|p| p.name == name) {
            Some(p) => p.id.clone(),
            None => db.create_product(name).await?.id,
        });
    }

    let mut accounts = Vec::new();
    for (name, city, category) in [
        ("Northwind Traders", "Lyon", "SME"),
        ("Contoso Pharmaceuticals", "Madrid", "Enterprise"),
        ("Fabrikam Studios", "Montréal", "SME"),
    ] {
        let d = AccountDraft::parse(AccountInput {
            name: Some(name.into()),
            city: Some(city.into()),
            category: Some(category.into()),
            custom: None,
        })?;
        let existing = db.accounts(Some(name), None, 10).await?;
        accounts.push(match existing.items.iter().find(|a| a.name == name) {
            Some(a) => a.id.clone(),
            None => db.create_account(&d).await?.id,
        });
    }

    #[rustfmt::skip]
    let people: [Person; 8] = [
        ("Camille", "Durand", "camille.durand@example.com", "+33 6 12 34 56 78", Some(0), "Purchasing manager", "Lyon", "fr-FR", PreferredChannel::Email, "Europe/Paris"),
        ("Lucas", "Bernard", "lucas.bernard@example.com", "+33 7 81 23 45 67", Some(0), "Accountant", "Lyon", "fr-FR", PreferredChannel::Phone, "Europe/Paris"),
        ("Lucía", "García", "lucia.garcia@example.com", "+34 612 345 678", Some(1), "Operations director", "Madrid", "es-ES", PreferredChannel::Chat, "Europe/Madrid"),
        ("Mateo", "López", "mateo.lopez@example.com", "+34 622 123 456", Some(1), "IT lead", "Barcelona", "es-ES", PreferredChannel::Sms, "Europe/Madrid"),
        ("Émilie", "Tremblay", "emilie.tremblay@example.com", "+1 514 842 5678", Some(2), "Producer", "Montréal", "fr-CA", PreferredChannel::Email, "America/Toronto"),
        ("Olivia", "Smith", "olivia.smith@example.com", "+44 7911 123456", None, "Teacher", "London", "en-GB", PreferredChannel::Chat, "Europe/London"),
        ("James", "Carter", "james.carter@example.com", "+1 415 555 2671", None, "Engineer", "San Francisco", "en-US", PreferredChannel::Phone, "America/Los_Angeles"),
        ("Sofía", "Ramírez", "sofia.ramirez@example.com", "+52 55 1234 5678", None, "Student", "Mexico City", "es-MX", PreferredChannel::Sms, "America/Mexico_City"),
    ];
    let now = jiff::Timestamp::now();
    let ago = |days: i64, hours: i64| {
        switchboard_core::time::format(now - jiff::SignedDuration::from_hours(days * 24 + hours))
    };
    let agent_author = |i: usize| Author {
        agent_id: Some(agent_ids[i % agent_ids.len()].clone()),
        name: [
            "Alex Morgan",
            "Sam Rivera",
            "Ana Costa",
            "Bruno Lefèvre",
            "Chloé Martin",
        ][i % 5]
            .to_owned(),
    };
    for (i, (first, last, email, phone, account, job, city, locale, channel, tz)) in
        people.into_iter().enumerate()
    {
        let external_id = format!("demo-{}", i + 1);
        let filter = switchboard_store::contacts::ContactFilter {
            external_id: Some(external_id.clone()),
            ..Default::default()
        };
        if !db.contacts(&filter, None, 1).await?.items.is_empty() {
            continue;
        }
        let contact = db
            .create_contact(&ContactDraft::parse(ContactInput {
                first_name: Some(first.into()),
                last_name: Some(last.into()),
                email: Some(email.into()),
                phone: Some(phone.into()),
                account_id: account.map(|a| accounts[a].clone()),
                job_title: Some(job.into()),
                title: Some(if i % 2 == 0 { "Ms." } else { "Mr." }.into()),
                relationship_type: Some(
                    if account.is_some() {
                        "Business customer"
                    } else {
                        "Retail customer"
                    }
                    .into(),
                ),
                city: Some(city.into()),
                category: Some(if i % 3 == 0 { "Premium" } else { "Standard" }.into()),
                preferred_channel: Some(channel),
                locale: Some(locale.into()),
                time_zone: Some(tz.into()),
                external_id: Some(external_id),
                custom: Some(serde_json::json!({ "customer_since": 2015 + i as i64 })),
            })?)
            .await?;
        let author = agent_author(i + 2);
        let case_titles = [
            ("Card blocked abroad", 1usize, Priority::High),
            ("Question about home insurance renewal", 2, Priority::Normal),
            ("Mortgage document missing", 3, Priority::Urgent),
        ];
        let mut case_ids = Vec::new();
        for (j, (title, product, priority)) in case_titles.iter().take(1 + i % 3).enumerate() {
            let case = db
                .create_case(
                    &CaseDraft::parse(CaseInput {
                        title: Some((*title).into()),
                        description: Some(format!(
                            "{first} contacted us about: {}.",
                            title.to_lowercase()
                        )),
                        priority: Some(*priority),
                        status: Some(CaseStatus::Active),
                        product_id: Some(products[*product].clone()),
                        owner_id: Some(agent_ids[2 + (i + j) % 3].clone()),
                        contact_id: Some(contact.id.clone()),
                        account_id: account.map(|a| accounts[a].clone()),
                    })?,
                    &author,
                )
                .await?;
            if j == 0 && i % 2 == 0 {
                let mut resolved = CaseDraft::parse(case.to_input())?;
                resolved.status = CaseStatus::Resolved;
                db.update_case(&case.id, &resolved, &author).await?;
            }
            case_ids.push(case.id);
        }
        let entries: [(ActivityKind, &str, &str, i64, Option<usize>); 5] = [
            (
                ActivityKind::Call,
                "Inbound call",
                "Customer called about their card; verified identity.",
                40,
                Some(0),
            ),
            (
                ActivityKind::Email,
                "Documents requested",
                "Sent the list of documents needed.",
                21,
                None,
            ),
            (
                ActivityKind::Note,
                "Prefers mornings",
                "Best reached before 11:00 local time.",
                14,
                None,
            ),
            (
                ActivityKind::Conversation,
                "Chat on website",
                "Asked about opening hours of the branch.",
                6,
                None,
            ),
            (
                ActivityKind::Sms,
                "Appointment reminder",
                "Reminder sent for Thursday's meeting.",
                2,
                Some(0),
            ),
        ];
        for (k, (kind, subject, body, days, on_case)) in entries.into_iter().enumerate() {
            // The demo history is written by Switchboard itself: it may
            // hold calls and chats, which a client may not author.
            let mut d = ActivityDraft::parse(
                ActivityInput {
                    kind: Some(ActivityKind::Note),
                    contact_id: Some(contact.id.clone()),
                    case_id: on_case.and_then(|c| case_ids.get(c).cloned()),
                    conversation_id: None,
                    subject: Some(subject.into()),
                    body: Some(body.into()),
                    occurred_at: Some(ago(days + i as i64, k as i64)),
                },
                &ago(0, 0),
            )?;
            d.kind = kind;
            db.create_activity(&d, &agent_author(i + k)).await?;
        }
    }
    db.meta_claim(LOADED_KEY, &switchboard_core::time::now())
        .await?;
    load_routing(db).await?;
    Ok(Some(logins))
}

/// A demo database made before queues had supervisors: its supervisor
/// is made the supervisor of both demo queues, once (a supervisor sees
/// only the queues they supervise).
async fn load_supervision(db: &Db) -> anyhow::Result<()> {
    use switchboard_store::routing::QueueDraft;
    const KEY: &str = "demo_supervision_loaded_at";
    if db.meta_get(KEY).await?.is_some() {
        return Ok(());
    }
    if let Some(sam) = db
        .agent_by_email("supervisor@demo.switchboard.test")
        .await?
    {
        if sam.roles.contains(&Role::Supervisor) && db.supervised_queues(&sam.id).await?.is_empty()
        {
            for q in db.queues().await? {
                if q.name != "Chat — general" && q.name != "Voice — urgent" {
                    continue;
                }
                let draft = QueueDraft {
                    name: q.name,
                    channel: q.channel,
                    priority: q.priority,
                    method: q.method,
                    offer_timeout_seconds: q.offer_timeout_seconds,
                    declines_allowed: q.declines_allowed,
                    is_default: q.is_default,
                    operating_hours: q.operating_hours,
                    overflow: q.overflow,
                    csat_survey: q.csat_survey,
                    members: q.members,
                    supervisor_ids: vec![sam.id.clone()],
                };
                db.put_queue(Some(&q.id), &draft).await?;
            }
        }
    }
    db.meta_claim(KEY, &switchboard_core::time::now()).await?;
    Ok(())
}

/// Skills, a capacity profile and two queues, so work items route out of
/// the box: a default chat queue for the demo agents and the supervisor, and
/// an urgent voice queue for the three agents.
async fn load_routing(db: &Db) -> anyhow::Result<()> {
    use switchboard_store::routing::{ProfileDraft, QueueDraft};
    if db.meta_get(ROUTING_KEY).await?.is_some() {
        return load_supervision(db).await;
    }
    let existing = db.skills().await?;
    let mut skill = std::collections::HashMap::new();
    for name in ["english", "french", "spanish", "cards", "insurance"] {
        let id = match existing.iter().find(|s| s.name == name) {
            Some(s) => s.id.clone(),
            None => db.create_skill(name).await?.id,
        };
        skill.insert(name, id);
    }
    let profile = match db
        .capacity_profiles()
        .await?
        .into_iter()
        .find(|p| p.name == "Standard")
    {
        Some(p) => p,
        None => {
            let draft = ProfileDraft {
                name: "Standard".into(),
                chat_units: 3,
                voice_units: 1,
                voice_blocks_others: true,
                wrap_up_seconds: 30,
            };
            db.put_capacity_profile(None, &draft).await?
        }
    };
    let plan: [(&str, &[(&str, i64)]); 4] = [
        (
            "supervisor@demo.switchboard.test",
            &[("english", 9), ("french", 6), ("cards", 8)],
        ),
        (
            "ana@demo.switchboard.test",
            &[("english", 8), ("spanish", 9), ("cards", 6)],
        ),
        (
            "bruno@demo.switchboard.test",
            &[("french", 10), ("english", 6), ("insurance", 8)],
        ),
        (
            "chloe@demo.switchboard.test",
            &[
                ("french", 9),
                ("english", 8),
                ("cards", 7),
                ("insurance", 5),
            ],
        ),
    ];
    let mut members = Vec::new();
    let mut agents_only = Vec::new();
    // The demo's supervisor supervises both queues (and so sees them on the
    // dashboard and in the reports: a supervisor sees only their queues).
    let mut supervisors = Vec::new();
    for (email, skills) in plan {
        let Some(agent) = db.agent_by_email(email).await? else {
            continue;
        };
        let skills: Vec<SkillLevel> = skills
            .iter()
            .map(|(n, p)| SkillLevel {
                skill_id: skill[n].clone(),
                proficiency: *p,
            })
            .collect();
        let routing = AgentRoutingInput {
            capacity_profile_id: Some(profile.id.clone()),
            skills,
            queue_ids: None,
        };
        db.put_agent_routing(&agent.id, &routing).await?;
        if email != "supervisor@demo.switchboard.test" {
            agents_only.push(agent.id.clone());
        } else if agent
            .roles
            .contains(&switchboard_core::access::Role::Supervisor)
        {
            supervisors.push(agent.id.clone());
        }
        members.push(agent.id);
    }
    let queues = db.queues().await?;
    let draft =
        |name: &str, channel: &str, method: &str, default: bool, members: Vec<String>| QueueDraft {
            name: name.into(),
            channel: channel.into(),
            priority: if channel == "voice" { 1 } else { 0 },
            method: method.into(),
            offer_timeout_seconds: 60,
            declines_allowed: 3,
            is_default: default,
            operating_hours: None,
            overflow: serde_json::json!({}),
            csat_survey: false,
            members,
            supervisor_ids: supervisors.clone(),
        };
    if !queues.iter().any(|q| q.name == "Chat — general") {
        db.put_queue(
            None,
            &draft(
                "Chat — general",
                "messaging",
                "highest_capacity",
                true,
                members,
            ),
        )
        .await?;
    }
    if !queues.iter().any(|q| q.name == "Voice — urgent") {
        db.put_queue(
            None,
            &draft(
                "Voice — urgent",
                "voice",
                "least_active",
                false,
                agents_only,
            ),
        )
        .await?;
    }
    db.meta_claim(ROUTING_KEY, &switchboard_core::time::now())
        .await?;
    Ok(())
}

/// The demo's chat widget, allowed on the server's own origins (they change
/// with the port, so they are rewritten at every start), with a pre-chat
/// survey and a proactive rule for the sample shop page at `/demo/shop`.
pub async fn load_chat(db: &Db, origins: &[String]) -> anyhow::Result<String> {
    use crate::chat::settings::WidgetInput;
    let settings: WidgetInput = serde_json::from_value(serde_json::json!({
        "name": "Demo shop",
        "name_translations": {"fr": "Boutique de démonstration", "es": "Tienda de demostración"},
        "allowed_origins": origins,
        "color": "#2f6f4f",
        "default_language": "en",
        "survey": [
            {"id": "name", "type": "text", "required": true,
             "label": {"en": "Your name", "fr": "Votre nom", "es": "Su nombre"}},
            {"id": "email", "type": "email", "required": true,
             "label": {"en": "Email", "fr": "E-mail", "es": "Correo electrónico"}},
            {"id": "topic", "type": "choice", "choices": [
                {"value": "Orders", "translations": {"fr": "Commandes", "es": "Pedidos"}},
                {"value": "Returns", "translations": {"fr": "Retours", "es": "Devoluciones"}},
                {"value": "Products", "translations": {"fr": "Produits", "es": "Productos"}}
             ],
             "label": {"en": "What is it about?", "fr": "De quoi s'agit-il ?", "es": "¿De qué se trata?"}}
        ],
        "proactive_enabled": true,
        "csat_enabled": true
    }))?;
    let settings = settings
        .check(None)
        .map_err(|e| anyhow::anyhow!("demo widget: {e}"))?;
    let text = serde_json::to_string(&settings)?;
    let existing = db
        .widgets()
        .await?
        .into_iter()
        .find(|w| w.name == "Demo shop");
    let widget = db
        .put_widget(existing.as_ref().map(|w| w.id.as_str()), "Demo shop", &text)
        .await?;
    if db.proactive_rules(&widget.id).await?.is_empty() {
        let spec = serde_json::json!({
            "name": "Browsing the shop",
            "time_on_page_seconds": 10,
            "pages_in_session": 2,
            "location": {"url": {"match": "contains", "value": "/demo/shop"}},
            "messages": {
                "en": "Hi! Can we help you find the right gear?",
                "fr": "Bonjour ! Pouvons-nous vous aider à trouver le bon équipement ?",
                "es": "¡Hola! ¿Le ayudamos a encontrar el equipo adecuado?"
            },
            // Off in the demo so the invitation shows before anyone signs in.
            "only_when_agent_available": false
        });
        let parsed: switchboard_core::chat::proactive::ProactiveRuleSpec =
            serde_json::from_value(spec)?;
        let rules = switchboard_core::chat::proactive::parse_rules(
            vec![parsed],
            "en",
            switchboard_store::new_id,
        )
        .map_err(|e| anyhow::anyhow!("demo rule: {e}"))?;
        let rows: Vec<(String, String)> = rules
            .iter()
            .map(|r| {
                let mut spec = r.spec.clone();
                spec.id = None;
                Ok((r.id.clone(), serde_json::to_string(&spec)?))
            })
            .collect::<anyhow::Result<_>>()?;
        db.put_proactive_rules(&widget.id, &rows).await?;
    }
    Ok(widget.id)
}

/// An agent script for chats (with a macro that opens a case and a
/// sub-script for returns) and a few canned responses; loaded once.
pub async fn load_workspace(db: &Db) -> anyhow::Result<()> {
    use switchboard_core::scripts::{check_steps, Step};
    if !db.scripts().await?.is_empty() {
        return Ok(());
    }
    let returns: Vec<Step> = serde_json::from_value(serde_json::json!([
        {"kind": "instruction", "id": "order", "title": "Find the order",
         "instruction": "Ask for the order number and check it is within 30 days."},
        {"kind": "macro", "id": "label", "title": "Send the return instructions",
         "action": {"type": "send_message", "body": "Hi {customer.name}, you will receive a prepaid return label by email within the hour."}},
        {"kind": "macro", "id": "kb", "title": "Search the knowledge base",
         "action": {"type": "open_url", "url": "https://www.google.com/search?q={survey.topic}+returns"}}
    ]))?;
    check_steps(&returns).map_err(|e| anyhow::anyhow!("demo script: {e}"))?;
    let sub = db
        .put_script(None, "Returns", &serde_json::to_string(&returns)?, &[])
        .await?;
    let chat: Vec<Step> = serde_json::from_value(serde_json::json!([
        {"kind": "instruction", "id": "greet", "title": "Greet the customer",
         "instruction": "Greet the customer by name and confirm what the chat is about (see the pre-chat survey)."},
        {"kind": "macro", "id": "case", "title": "Open a case",
         "action": {"type": "create_case", "title": "{survey.topic}: chat with {customer.name}", "priority": "normal"}},
        {"kind": "subscript", "id": "returns", "title": "Returns", "script_id": sub.id},
        {"kind": "macro", "id": "resolve", "title": "Resolve the case",
         "action": {"type": "set_case_field", "field": "status", "value": "resolved"}}
    ]))?;
    check_steps(&chat).map_err(|e| anyhow::anyhow!("demo script: {e}"))?;
    let main = db
        .put_script(
            None,
            "Web chat",
            &serde_json::to_string(&chat)?,
            std::slice::from_ref(&sub.id),
        )
        .await?;
    db.put_script_rules(&[(None, Some("chat".into()), main.id)])
        .await?;
    let have_canned = !db.canned_responses(None).await?.is_empty();
    for (code, title, body) in [
        (
            "hello",
            "Greeting",
            "Hello! Thanks for contacting Northwind. How can I help you today?",
        ),
        (
            "moment",
            "One moment",
            "Thank you, one moment while I check that for you.",
        ),
        (
            "bye",
            "Closing",
            "Is there anything else I can help you with? Have a great day!",
        ),
    ] {
        if !have_canned {
            db.create_canned_response(code, title, body).await?;
        }
    }
    Ok(())
}

/// Branches, topics and advisors with weekly hours, so the booking page and
/// the scheduling API work at once. Loaded once (when no branch exists).
pub async fn load_scheduling(db: &Db) -> anyhow::Result<()> {
    use switchboard_core::booking::MeetingType::{InPerson, Online, Phone};
    use switchboard_core::booking::{
        AdvisorDraft, AdvisorInput, BranchDraft, BranchInput, TopicDraft, TopicInput,
    };
    if !db.branches().await?.is_empty() {
        return Ok(());
    }
    let branch = |name: &str, address: &str, tz: &str| BranchInput {
        name: Some(name.into()),
        address: Some(address.into()),
        time_zone: Some(tz.into()),
    };
    let paris = db
        .save_branch(
            None,
            &BranchDraft::parse(branch(
                "Paris Opéra",
                "12 boulevard Haussmann\n75009 Paris",
                "Europe/Paris",
            ))?,
        )
        .await?;
    let madrid = db
        .save_branch(
            None,
            &BranchDraft::parse(branch(
                "Madrid Centro",
                "Calle de Alcalá 21\n28014 Madrid",
                "Europe/Madrid",
            ))?,
        )
        .await?;
    let skills = db.skills().await?;
    let skill = |name: &str| skills.iter().find(|s| s.name == name).map(|s| s.id.clone());
    let topics = [
        (
            "Mortgage advice",
            "Rates, amounts and the documents we need.",
            60,
            vec![InPerson, Online],
            None,
            "Bring your last three payslips and an ID document.",
        ),
        (
            "Card and account help",
            "Cards, limits, statements.",
            30,
            vec![InPerson, Online, Phone],
            skill("cards"),
            "Have your card or account number at hand.",
        ),
        (
            "Home insurance review",
            "Check your cover and premiums.",
            45,
            vec![Online, Phone],
            skill("insurance"),
            "Have your current policy number ready.",
        ),
    ];
    // The customer-facing texts in French and Spanish (formal "usted").
    let translated = |name: &str| -> [(&str, [&str; 3]); 2] {
        match name {
            "Mortgage advice" => [
                (
                    "fr",
                    [
                        "Conseil en prêt immobilier",
                        "Taux, montants et documents nécessaires.",
                        "Apportez vos trois derniers bulletins de salaire et une pièce d’identité.",
                    ],
                ),
                (
                    "es",
                    [
                        "Asesoramiento hipotecario",
                        "Tipos, importes y los documentos que necesitamos.",
                        "Traiga sus tres últimas nóminas y un documento de identidad.",
                    ],
                ),
            ],
            "Card and account help" => [
                (
                    "fr",
                    [
                        "Aide carte et compte",
                        "Cartes, plafonds, relevés.",
                        "Munissez-vous de votre numéro de carte ou de compte.",
                    ],
                ),
                (
                    "es",
                    [
                        "Ayuda con tarjetas y cuentas",
                        "Tarjetas, límites, extractos.",
                        "Tenga a mano su número de tarjeta o de cuenta.",
                    ],
                ),
            ],
            _ => [
                (
                    "fr",
                    [
                        "Bilan assurance habitation",
                        "Vérifiez vos garanties et vos cotisations.",
                        "Préparez le numéro de votre contrat actuel.",
                    ],
                ),
                (
                    "es",
                    [
                        "Revisión del seguro de hogar",
                        "Revise sus coberturas y primas.",
                        "Tenga preparado el número de su póliza actual.",
                    ],
                ),
            ],
        }
    };
    for (name, description, minutes, types, skill, instructions) in topics {
        let translations = translated(name)
            .into_iter()
            .map(|(lang, [name, description, instructions])| {
                (
                    lang.to_owned(),
                    switchboard_core::booking::TopicTranslation {
                        name: Some(name.into()),
                        description: Some(description.into()),
                        instructions: Some(instructions.into()),
                    },
                )
            })
            .collect();
        db.save_topic(
            None,
            &TopicDraft::parse(TopicInput {
                name: Some(name.into()),
                description: Some(description.into()),
                duration_minutes: Some(minutes),
                meeting_types: Some(types),
                skills: Some(skill.into_iter().collect()),
                instructions: Some(instructions.into()),
                translations: Some(translations),
            })?,
        )
        .await?;
    }
    let weekdays = |from: &str, to: &str| -> Vec<switchboard_core::scheduling::RangeSpec> {
        ["monday", "tuesday", "wednesday", "thursday", "friday"]
            .into_iter()
            .flat_map(|day| {
                [
                    switchboard_core::scheduling::RangeSpec {
                        day: day.into(),
                        from: from.into(),
                        to: "12:30".into(),
                    },
                    switchboard_core::scheduling::RangeSpec {
                        day: day.into(),
                        from: "13:30".into(),
                        to: to.into(),
                    },
                ]
            })
            .collect()
    };
    let plan = [
        (
            "ana@demo.switchboard.test",
            "Europe/Madrid",
            vec![madrid.id.clone()],
            weekdays("09:00", "18:00"),
        ),
        (
            "bruno@demo.switchboard.test",
            "Europe/Paris",
            vec![paris.id.clone()],
            weekdays("09:00", "17:30"),
        ),
        (
            "chloe@demo.switchboard.test",
            "Europe/Paris",
            vec![paris.id.clone(), madrid.id.clone()],
            weekdays("08:30", "17:00"),
        ),
    ];
    for (email, tz, branches, hours) in plan {
        let Some(agent) = db.agent_by_email(email).await? else {
            continue;
        };
        let draft = AdvisorDraft::parse(AdvisorInput {
            bookable: Some(true),
            time_zone: Some(tz.into()),
            hours: Some(hours),
            branch_ids: Some(branches),
        })
        .map_err(|e| anyhow::anyhow!("demo advisor: {e:?}"))?;
        db.put_advisor(&agent.id, &draft).await?;
    }
    Ok(())
}

/// What the voice demo set up, for the start-up banner.
pub struct VoiceDemo {
    pub queue_id: String,
    /// (agent name, SIP username, password): new passwords at every start,
    /// so the banner can always show them.
    pub accounts: Vec<(String, String, String)>,
}

/// The voice demo: every inbound call reaches "Voice — urgent", which
/// offers a direct callback (to the second caller waiting, or after 30
/// seconds of waiting), and the three demo agents get SIP accounts.
pub async fn load_voice(db: &Db) -> anyhow::Result<Option<VoiceDemo>> {
    use switchboard_store::routing::QueueDraft;
    let Some(q) = db
        .queues()
        .await?
        .into_iter()
        .find(|q| q.name == "Voice — urgent")
    else {
        return Ok(None);
    };
    if db.meta_get("demo_voice_loaded").await?.is_none() {
        let draft = QueueDraft {
            name: q.name.clone(),
            channel: q.channel.clone(),
            priority: q.priority,
            method: q.method.clone(),
            offer_timeout_seconds: q.offer_timeout_seconds,
            declines_allowed: q.declines_allowed,
            is_default: q.is_default,
            operating_hours: q.operating_hours.clone(),
            overflow: serde_json::json!({
                "work_items_waiting_exceed": {"count": 0, "action": "direct_callback"},
                "waiting_time_exceeds": {"seconds": 29, "action": "direct_callback"},
            }),
            csat_survey: q.csat_survey,
            members: q.members.clone(),
            supervisor_ids: q.supervisor_ids.clone(),
        };
        db.put_queue(Some(&q.id), &draft).await?;
        db.meta_claim("demo_voice_loaded", &switchboard_core::time::now())
            .await?;
    }
    let mut accounts = Vec::new();
    for (email, user) in [
        ("ana@demo.switchboard.test", "ana"),
        ("bruno@demo.switchboard.test", "bruno"),
        ("chloe@demo.switchboard.test", "chloe"),
    ] {
        let Some(agent) = db.agent_by_email(email).await? else {
            continue;
        };
        let password = crate::auth::secret::random_secret()
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(16)
            .collect::<String>();
        let ha1 =
            switchboard_core::voice::digest::ha1(user, crate::voice::registrar::REALM, &password);
        db.set_sip_account(&agent.id, user, &ha1).await?;
        accounts.push((agent.name, user.to_owned(), password));
    }
    Ok(Some(VoiceDemo {
        queue_id: q.id,
        accounts,
    }))
}
