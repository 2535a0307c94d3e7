//! What callers hear in a queue, per prompt and language: the default text,
//! an admin's text (spoken by the synthesiser), or an uploaded WAV file.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::Json;
use base64::Engine;
use serde::{Deserialize, Serialize};
use switchboard_core::voice::g711;
use switchboard_core::voice::prompts::{check_text, default_text, Prompt, LANGUAGES};
use switchboard_core::{FieldError, Invalid};
use switchboard_store::Db;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::auth::Audited;
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::voice::prompts::wav_to_8k;

/// Uploaded recordings may be larger than other request bodies.
const WAV_BYTES: usize = 8 * 1024 * 1024;
/// Longest recording accepted (at 8 kHz after conversion).
const MAX_SECONDS: usize = 120;

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list))
        .routes(routes!(put, delete))
        .routes(routes!(audio))
        .layer(DefaultBodyLimit::max(WAV_BYTES))
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PromptView {
    /// greeting, hold, callback_offer, callback_confirmation, position,
    /// csat or csat_thanks.
    pub prompt: String,
    pub language: String,
    /// default, text or audio.
    pub source: String,
    /// The text spoken (absent for audio).
    pub text: Option<String>,
    pub updated_at: Option<String>,
}

/// Every prompt of the queue in every language, and where it comes from.
#[utoipa::path(get, path = "/api/v1/queues/{id}/prompts", tag = "voice", params(("id" = String, Path)),
    responses((status = 200, body = Vec<PromptView>), (status = 404, body = crate::error::Problem)))]
async fn list(State(db): State<Db>, Path(id): Path<String>) -> ApiResult<Json<Vec<PromptView>>> {
    db.queue(&id).await?;
    let overrides = db.prompt_overrides(&id).await?;
    let mut out = Vec::new();
    for p in Prompt::ALL {
        for lang in LANGUAGES {
            let o = overrides
                .iter()
                .find(|o| o.prompt == p.name() && o.language == lang);
            out.push(match o {
                Some(o) if o.text.is_some() => PromptView {
                    prompt: p.name().into(),
                    language: lang.into(),
                    source: "text".into(),
                    text: o.text.clone(),
                    updated_at: Some(o.updated_at.clone()),
                },
                Some(o) => PromptView {
                    prompt: p.name().into(),
                    language: lang.into(),
                    source: "audio".into(),
                    text: None,
                    updated_at: Some(o.updated_at.clone()),
                },
                None => PromptView {
                    prompt: p.name().into(),
                    language: lang.into(),
                    source: "default".into(),
                    text: Some(default_text(p, lang).into()),
                    updated_at: None,
                },
            });
        }
    }
    Ok(Json(out))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PromptTextInput {
    /// 1 to 1000 characters; `{position}` in the position prompt only.
    pub text: String,
}

fn target(prompt: &str, language: &str) -> ApiResult<Prompt> {
    let p = Prompt::parse(prompt).ok_or(ApiError::NotFound("prompt"))?;
    if !LANGUAGES.contains(&language) {
        return Err(ApiError::NotFound("language"));
    }
    Ok(p)
}

/// Set a prompt: `application/json` `{"text": …}` to have it spoken, or an
/// `audio/wav` body (16-bit PCM, any rate, up to 120 s and 8 MiB) to play a
/// recording.
#[utoipa::path(put, path = "/api/v1/queues/{id}/prompts/{prompt}/{language}", tag = "voice",
    params(("id" = String, Path), ("prompt" = String, Path), ("language" = String, Path)),
    request_body(content = PromptTextInput, description = "or an audio/wav body"),
    responses((status = 200, body = PromptView), (status = 404, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
async fn put(
    Audited(db): Audited,
    Path((id, prompt, language)): Path<(String, String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<Json<PromptView>> {
    let p = target(&prompt, &language)?;
    db.queue(&id).await?;
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let view = match ct.as_str() {
        "application/json" => {
            let input: PromptTextInput = serde_json::from_slice(&body).map_err(|e| {
                ApiError::BadRequest(format!("the body is not the JSON expected: {e}"))
            })?;
            let text = check_text(p, &input.text)?;
            db.set_prompt_override(&id, p.name(), &language, Some(&text), None)
                .await?;
            PromptView {
                prompt: p.name().into(),
                language,
                source: "text".into(),
                text: Some(text),
                updated_at: None,
            }
        }
        "audio/wav" | "audio/x-wav" | "audio/wave" | "audio/vnd.wave" => {
            // Resampling is CPU work: off the async workers.
            let samples = tokio::task::spawn_blocking(move || wav_to_8k(&body))
                .await
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("converting the recording: {e}")))?
                .map_err(|e| Invalid(vec![FieldError::new("audio", "invalid", e.to_string())]))?;
            if samples.is_empty() || samples.len() > MAX_SECONDS * 8000 {
                return Err(Invalid(vec![FieldError::new(
                    "audio",
                    "length",
                    format!("must last between a moment and {MAX_SECONDS} seconds"),
                )])
                .into());
            }
            let ulaw = g711::encode(&samples, false);
            let b64 = base64::engine::general_purpose::STANDARD.encode(ulaw);
            db.set_prompt_override(&id, p.name(), &language, None, Some(&b64))
                .await?;
            PromptView {
                prompt: p.name().into(),
                language,
                source: "audio".into(),
                text: None,
                updated_at: None,
            }
        }
        other => {
            return Err(ApiError::UnsupportedMediaType(format!(
                "send application/json with a text, or audio/wav (got {other:?})"
            )))
        }
    };
    Ok(Json(view))
}

/// Back to the default text.
#[utoipa::path(delete, path = "/api/v1/queues/{id}/prompts/{prompt}/{language}", tag = "voice",
    params(("id" = String, Path), ("prompt" = String, Path), ("language" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem)))]
async fn delete(
    Audited(db): Audited,
    Path((id, prompt, language)): Path<(String, String, String)>,
) -> ApiResult<axum::http::StatusCode> {
    let p = target(&prompt, &language)?;
    db.queue(&id).await?;
    db.delete_prompt_override(&id, p.name(), &language).await?;
    Ok(axum::http::StatusCode::NO_CONTENT)
}

/// The position a caller hears in the `position` prompt's preview.
const PREVIEW_POSITION: usize = 3;

/// What a caller hears for this prompt, as a WAV file (8 kHz, 16-bit PCM,
/// mono): the recording, or the text spoken by the voice channel's
/// synthesiser (the `position` prompt says position 3). Spoken text needs
/// the voice channel (409 when it is off); a recording plays either way.
#[utoipa::path(get, path = "/api/v1/queues/{id}/prompts/{prompt}/{language}/audio", tag = "voice",
    params(("id" = String, Path), ("prompt" = String, Path), ("language" = String, Path)),
    responses((status = 200, content_type = "audio/wav", body = Vec<u8>),
        (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
async fn audio(
    State(s): State<AppState>,
    Path((id, prompt, language)): Path<(String, String, String)>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    let p = target(&prompt, &language)?;
    s.db.queue(&id).await?;
    let ulaw: Vec<u8> = match &s.voice {
        Some(voice) => voice
            .prompt(p, &language, Some(&id), Some(PREVIEW_POSITION))
            .await
            .ulaw
            .to_vec(),
        None => {
            let recorded =
                s.db.prompt_override(&id, p.name(), &language)
                    .await?
                    .and_then(|o| o.audio);
            let Some(b64) = recorded else {
                return Err(ApiError::Conflict(
                    "the voice channel is off: spoken prompts are made by it (serve --sip-listen)"
                        .into(),
                ));
            };
            base64::engine::general_purpose::STANDARD
                .decode(b64)
                .map_err(|e| ApiError::Internal(anyhow::anyhow!("a stored recording: {e}")))?
        }
    };
    let wav = crate::voice::prompts::wav_of_ulaw(&ulaw);
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, "audio/wav"),
            (axum::http::header::CACHE_CONTROL, "no-store"),
        ],
        wav,
    )
        .into_response())
}
