//! A WAV file an admin uploads as a voice prompt (converted to 8 kHz).
//!
//! Property: the output is never longer than the samples the file holds
//! (a header cannot make the server allocate more than the upload).
#![no_main]

use libfuzzer_sys::fuzz_target;
use switchboard_voice::prompts;

fuzz_target!(|data: &[u8]| {
    if let Ok(samples) = prompts::wav_to_8k(data) {
        assert!(
            samples.len() <= data.len() / 2,
            "{} samples from {} bytes",
            samples.len(),
            data.len()
        );
    }
    // The resampler alone, at the rates a WAV may declare.
    if data.len() >= 4 {
        let rate = 8000 + u32::from(u16::from_le_bytes([data[0], data[1]])) * 3 % 184_001;
        let input: Vec<i16> = data[2..]
            .chunks_exact(2)
            .map(|c| i16::from_le_bytes([c[0], c[1]]))
            .collect();
        let out = prompts::resample(&input, rate, 8000);
        assert!(out.len() <= input.len());
    }
});
