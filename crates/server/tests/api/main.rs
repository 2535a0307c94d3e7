//! HTTP integration suite: the real server on port 0, a fresh database per
//! test, every test on SQLite and on PostgreSQL.

mod support;

mod access_matrix;
mod agents_and_auth;
mod audit;
mod bad_input;
mod baresip;
mod browse;
mod cases_and_timeline;
mod chat;
mod communications;
mod contacts;
mod events;
mod imports;
mod meeting_no_show;
mod openapi_truth;
mod operations;
mod planner;
mod reports;
mod routing;
mod scheduling;
mod site_config;
mod supervision;
mod testers;
mod voice;
mod voice_csat;
mod webhooks;
mod workspace;
