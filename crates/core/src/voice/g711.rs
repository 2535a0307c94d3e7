//! G.711 (ITU-T): 16-bit linear PCM ⇄ 8-bit µ-law (PCMU) and A-law (PCMA),
//! the two codecs every SIP trunk speaks. Segment arithmetic as in the
//! recommendation; no tables to get wrong.

const ULAW_BIAS: i32 = 0x84;
const ULAW_CLIP: i32 = 32635;

/// One linear sample to µ-law.
pub fn linear_to_ulaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample);
    let sign = if pcm < 0 {
        pcm = -pcm;
        0x80
    } else {
        0
    };
    pcm = pcm.min(ULAW_CLIP) + ULAW_BIAS;
    let mut exponent = 7;
    let mut mask = 0x4000;
    while exponent > 0 && pcm & mask == 0 {
        exponent -= 1;
        mask >>= 1;
    }
    let mantissa = (pcm >> (exponent + 3)) & 0x0F;
    !((sign | (exponent << 4) | mantissa) as u8)
}

/// One µ-law byte to linear.
pub fn ulaw_to_linear(code: u8) -> i16 {
    let u = !code;
    let exponent = i32::from((u >> 4) & 0x07);
    let mantissa = i32::from(u & 0x0F);
    let magnitude = (((mantissa << 3) + ULAW_BIAS) << exponent) - ULAW_BIAS;
    (if u & 0x80 != 0 { -magnitude } else { magnitude }) as i16
}

/// Upper ends of the A-law segments, on 13-bit magnitudes.
const ALAW_SEGMENT_END: [i32; 8] = [0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF];

/// One linear sample to A-law.
pub fn linear_to_alaw(sample: i16) -> u8 {
    let mut pcm = i32::from(sample) >> 3;
    let mask = if pcm >= 0 {
        0xD5
    } else {
        pcm = -pcm - 1;
        0x55
    };
    match ALAW_SEGMENT_END.iter().position(|&end| pcm <= end) {
        None => (0x7F ^ mask) as u8,
        Some(segment) => {
            let shift = if segment < 2 { 1 } else { segment as i32 };
            let value = ((segment as i32) << 4) | ((pcm >> shift) & 0x0F);
            (value ^ mask) as u8
        }
    }
}

/// One A-law byte to linear.
pub fn alaw_to_linear(code: u8) -> i16 {
    let a = i32::from(code ^ 0x55);
    let mut t = (a & 0x0F) << 4;
    let segment = (a & 0x70) >> 4;
    match segment {
        0 => t += 8,
        1 => t += 0x108,
        s => t = (t + 0x108) << (s - 1),
    }
    (if a & 0x80 != 0 { t } else { -t }) as i16
}

/// A frame of linear samples to µ-law or A-law bytes.
pub fn encode(samples: &[i16], alaw: bool) -> Vec<u8> {
    samples
        .iter()
        .map(|&s| {
            if alaw {
                linear_to_alaw(s)
            } else {
                linear_to_ulaw(s)
            }
        })
        .collect()
}

pub fn decode(bytes: &[u8], alaw: bool) -> Vec<i16> {
    bytes
        .iter()
        .map(|&b| {
            if alaw {
                alaw_to_linear(b)
            } else {
                ulaw_to_linear(b)
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values() {
        // Silence and the extremes, as every G.711 implementation has them.
        assert_eq!(linear_to_ulaw(0), 0xFF);
        assert_eq!(ulaw_to_linear(0xFF), 0);
        assert_eq!(ulaw_to_linear(0x80), 32124);
        assert_eq!(ulaw_to_linear(0x00), -32124);
        assert_eq!(linear_to_ulaw(i16::MAX), 0x80);
        assert_eq!(linear_to_ulaw(i16::MIN), 0x00);
        assert_eq!(linear_to_alaw(0), 0xD5);
        assert_eq!(alaw_to_linear(0xD5), 8);
        assert_eq!(alaw_to_linear(0x55), -8);
        assert_eq!(alaw_to_linear(0xAA), 32256);
        assert_eq!(alaw_to_linear(0x2A), -32256);
        assert_eq!(linear_to_alaw(i16::MAX), 0xAA);
        assert_eq!(linear_to_alaw(i16::MIN), 0x2A);
        assert_eq!(decode(&encode(&[0, 1000, -1000], true), true).len(), 3);
    }

    #[test]
    fn every_code_survives_decoding_and_encoding_again() {
        for code in 0..=255u8 {
            assert_eq!(
                linear_to_alaw(alaw_to_linear(code)),
                code,
                "A-law {code:#04x}"
            );
            // 0x7F is µ-law's "negative zero": it decodes to 0, which encodes as 0xFF.
            if code != 0x7F {
                assert_eq!(
                    linear_to_ulaw(ulaw_to_linear(code)),
                    code,
                    "µ-law {code:#04x}"
                );
            }
        }
    }

    #[test]
    fn quantization_error_stays_within_half_a_step() {
        for sample in (i16::MIN..=i16::MAX).step_by(7) {
            let s = i32::from(sample);
            let u = i32::from(ulaw_to_linear(linear_to_ulaw(sample)));
            let a = i32::from(alaw_to_linear(linear_to_alaw(sample)));
            // Steps grow with the magnitude (half a step is at most 1/32
            // of it, at least 16 near zero); the top is clipped.
            let bound = (s.abs() / 16).max(16) + if s.abs() > 32000 { 700 } else { 0 };
            assert!((u - s).abs() <= bound, "µ-law {sample} → {u}");
            assert!((a - s).abs() <= bound, "A-law {sample} → {a}");
            assert!(
                u == 0 || u.signum() == s.signum(),
                "µ-law keeps the sign of {sample}"
            );
            assert!(
                a.signum() == s.signum() || a.abs() <= 8,
                "A-law keeps the sign of {sample}"
            );
        }
    }
}
