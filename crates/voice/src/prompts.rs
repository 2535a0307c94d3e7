//! Prompt audio: text spoken by espeak-ng, resampled to 8 kHz and kept as
//! G.711 both ways, in memory and in a cache directory (so a restart does
//! not synthesise everything again).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use sha2::{Digest, Sha256};
use switchboard_core::voice::g711;

use super::media::Audio;

#[derive(Debug, thiserror::Error)]
pub enum PromptError {
    #[error("espeak-ng could not be run ({0}); install it (Debian: apt-get install espeak-ng)")]
    Synthesiser(String),
    #[error("not a WAV file Switchboard can read: {0}")]
    Wav(&'static str),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

pub struct Prompts {
    dir: PathBuf,
    memory: Mutex<HashMap<String, Audio>>,
}

/// espeak-ng voices for the languages Switchboard ships prompts in.
fn voice(language: &str) -> &'static str {
    match language {
        "fr" => "fr",
        "es" => "es",
        _ => "en-us",
    }
}

impl Prompts {
    pub fn new(dir: PathBuf) -> Self {
        Self {
            dir,
            memory: Mutex::new(HashMap::new()),
        }
    }

    /// The audio of `text` spoken in `language`.
    pub async fn speak(&self, text: &str, language: &str) -> Result<Audio, PromptError> {
        let voice = voice(language);
        let key = {
            let mut h = Sha256::new();
            h.update(voice.as_bytes());
            h.update([0]);
            h.update(text.as_bytes());
            h.finalize()
                .iter()
                .take(16)
                .map(|b| format!("{b:02x}"))
                .collect::<String>()
        };
        if let Some(a) = self.memory.lock().expect("prompts").get(&key) {
            return Ok(a.clone());
        }
        let path = self.dir.join(format!("{key}.ulaw"));
        let audio = match tokio::fs::read(&path).await {
            Ok(ulaw) => {
                let linear = g711::decode(&ulaw, false);
                Audio {
                    ulaw: ulaw.into(),
                    alaw: g711::encode(&linear, true).into(),
                }
            }
            Err(_) => {
                let wav = synthesise(text, voice).await?;
                let samples = wav_to_8k(&wav)?;
                let audio = Audio::from_linear(&samples);
                tokio::fs::create_dir_all(&self.dir).await?;
                // Written aside then renamed, so a crash never leaves half a
                // prompt in the cache.
                let tmp = self.dir.join(format!(
                    "{key}.{}.{}.tmp",
                    std::process::id(),
                    rand::random::<u64>()
                ));
                tokio::fs::write(&tmp, &audio.ulaw[..]).await?;
                tokio::fs::rename(&tmp, &path).await?;
                audio
            }
        };
        self.memory
            .lock()
            .expect("prompts")
            .insert(key, audio.clone());
        Ok(audio)
    }
}

async fn synthesise(text: &str, voice: &str) -> Result<Vec<u8>, PromptError> {
    let out = tokio::process::Command::new("espeak-ng")
        .arg("-v")
        .arg(voice)
        .arg("-s")
        .arg("165")
        .arg("--stdout")
        // The text goes as one argument after "--", never through a shell.
        .arg("--")
        .arg(text)
        .kill_on_drop(true)
        .output()
        .await
        .map_err(|e| PromptError::Synthesiser(e.to_string()))?;
    if !out.status.success() {
        return Err(PromptError::Synthesiser(
            String::from_utf8_lossy(&out.stderr).trim().to_owned(),
        ));
    }
    Ok(out.stdout)
}

/// Mono 16-bit PCM WAV at any rate → 8 kHz samples. Streams written to a
/// pipe carry a placeholder data size, so the data runs to the end.
/// 8 kHz µ-law (what callers hear) as a WAV file of 16-bit PCM, mono —
/// what browsers play (the admin center's play button).
pub fn wav_of_ulaw(ulaw: &[u8]) -> Vec<u8> {
    let pcm = g711::decode(ulaw, false);
    let data = u32::try_from(pcm.len() * 2).unwrap_or(u32::MAX);
    let mut w = Vec::with_capacity(44 + pcm.len() * 2);
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&data.saturating_add(36).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes()); // the fmt chunk's size
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&8000u32.to_le_bytes()); // samples per second
    w.extend_from_slice(&16000u32.to_le_bytes()); // bytes per second
    w.extend_from_slice(&2u16.to_le_bytes()); // bytes per frame
    w.extend_from_slice(&16u16.to_le_bytes()); // bits per sample
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data.to_le_bytes());
    for s in pcm {
        w.extend_from_slice(&s.to_le_bytes());
    }
    w
}

pub fn wav_to_8k(wav: &[u8]) -> Result<Vec<i16>, PromptError> {
    if wav.len() < 12 || &wav[0..4] != b"RIFF" || &wav[8..12] != b"WAVE" {
        return Err(PromptError::Wav("no RIFF/WAVE header"));
    }
    let mut at = 12;
    let mut format: Option<(u16, u16, u32, u16)> = None;
    while at + 8 <= wav.len() {
        let id = &wav[at..at + 4];
        let size =
            u32::from_le_bytes([wav[at + 4], wav[at + 5], wav[at + 6], wav[at + 7]]) as usize;
        let body = at + 8;
        if id == b"fmt " {
            let f = wav
                .get(body..body + 16)
                .ok_or(PromptError::Wav("short fmt chunk"))?;
            format = Some((
                u16::from_le_bytes([f[0], f[1]]),
                u16::from_le_bytes([f[2], f[3]]),
                u32::from_le_bytes([f[4], f[5], f[6], f[7]]),
                u16::from_le_bytes([f[14], f[15]]),
            ));
        } else if id == b"data" {
            let (kind, channels, rate, bits) = format.ok_or(PromptError::Wav("data before fmt"))?;
            if kind != 1 || bits != 16 {
                return Err(PromptError::Wav("only 16-bit PCM is supported"));
            }
            if channels == 0 || rate == 0 {
                return Err(PromptError::Wav("no channels or no sample rate"));
            }
            if !(8000..=192_000).contains(&rate) {
                return Err(PromptError::Wav("the sample rate must be 8 to 192 kHz"));
            }
            let end = body.saturating_add(size).min(wav.len());
            let frame = 2 * channels as usize;
            // The first channel of each frame.
            let samples: Vec<i16> = wav[body..end]
                .chunks_exact(frame)
                .map(|c| i16::from_le_bytes([c[0], c[1]]))
                .collect();
            return Ok(resample(&samples, rate, 8000));
        }
        at = body.saturating_add(size + (size & 1));
    }
    Err(PromptError::Wav("no data chunk"))
}

/// Linear interpolation after a moving-average low-pass as wide as the
/// decimation ratio: plenty for speech prompts on a telephone line.
pub fn resample(input: &[i16], from: u32, to: u32) -> Vec<i16> {
    if from == to || input.is_empty() {
        return input.to_vec();
    }
    let ratio = from as f64 / to as f64;
    let width = ratio.ceil().max(1.0) as usize;
    let smoothed: Vec<f64> = if from > to {
        let mut acc = 0f64;
        let mut out = Vec::with_capacity(input.len());
        for (i, &s) in input.iter().enumerate() {
            acc += f64::from(s);
            if i >= width {
                acc -= f64::from(input[i - width]);
            }
            out.push(acc / (i + 1).min(width) as f64);
        }
        out
    } else {
        input.iter().map(|&s| f64::from(s)).collect()
    };
    let n = ((input.len() as f64) / ratio).floor() as usize;
    (0..n)
        .map(|k| {
            let pos = k as f64 * ratio;
            let i = pos.floor() as usize;
            let frac = pos - i as f64;
            let a = smoothed[i];
            let b = *smoothed.get(i + 1).unwrap_or(&a);
            (a + (b - a) * frac).round().clamp(-32768.0, 32767.0) as i16
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wav(rate: u32, samples: &[i16], data_size: Option<u32>) -> Vec<u8> {
        let mut w = b"RIFF\0\0\0\0WAVEfmt ".to_vec();
        w.extend(16u32.to_le_bytes());
        w.extend(1u16.to_le_bytes());
        w.extend(1u16.to_le_bytes());
        w.extend(rate.to_le_bytes());
        w.extend((rate * 2).to_le_bytes());
        w.extend(2u16.to_le_bytes());
        w.extend(16u16.to_le_bytes());
        w.extend(b"data");
        w.extend(data_size.unwrap_or(samples.len() as u32 * 2).to_le_bytes());
        for s in samples {
            w.extend(s.to_le_bytes());
        }
        w
    }

    #[test]
    fn a_22050_hz_wav_becomes_8_khz_of_the_same_length() {
        let tone: Vec<i16> = (0..22050)
            .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 22050.0).sin() * 8000.0) as i16)
            .collect();
        let out = wav_to_8k(&wav(22050, &tone, None)).unwrap();
        assert!((7990..=8000).contains(&out.len()), "{}", out.len());
        let peak = out.iter().map(|s| s.unsigned_abs()).max().unwrap();
        assert!(
            (6000..=8200).contains(&peak),
            "a 440 Hz tone survives: {peak}"
        );
    }

    #[test]
    fn a_streamed_wav_with_a_placeholder_size_reads_to_the_end() {
        let out = wav_to_8k(&wav(8000, &[5; 100], Some(u32::MAX))).unwrap();
        assert_eq!(out, vec![5; 100]);
    }

    #[test]
    fn other_files_are_refused_by_name() {
        assert!(matches!(wav_to_8k(b"ID3garbage"), Err(PromptError::Wav(_))));
        let mut w = wav(8000, &[1, 2], None);
        w[20] = 3; // IEEE float
        assert!(matches!(
            wav_to_8k(&w),
            Err(PromptError::Wav("only 16-bit PCM is supported"))
        ));
    }

    #[test]
    fn what_callers_hear_reads_back_as_the_same_wav() {
        let samples: Vec<i16> = (0..800)
            .map(|i| ((i as f64 / 5.0).sin() * 8000.0) as i16)
            .collect();
        let ulaw = g711::encode(&samples, false);
        let wav = wav_of_ulaw(&ulaw);
        assert_eq!(wav.len(), 44 + 1600);
        assert_eq!(wav_to_8k(&wav).unwrap(), g711::decode(&ulaw, false));
    }
}
