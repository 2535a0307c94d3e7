//! Voice groundwork (issue 7): the pure parts of the voice channel that no
//! SIP stack provides and that the rest will be built on — G.711 audio,
//! RFC 4733 DTMF events and SIP INFO digits, the SDP offer/answer for an
//! audio call, the direct-callback offer timing and callback windows, and
//! the callers' prompts. See `docs/voice-stack-research.md` for the plan.

pub mod callback;
pub mod csat;
pub mod dial;
pub mod digest;
pub mod dtmf;
pub mod g711;
pub mod prompts;
pub mod sdp;
