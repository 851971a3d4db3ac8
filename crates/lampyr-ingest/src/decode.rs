//! Body decoding: base64 transport encoding and HTTP content codings (gzip, deflate, br), with
//! a cap on the decoded size so a decompression bomb cannot exhaust memory.

use std::io::{self, Read};

use base64::alphabet;
use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
use base64::Engine;
use lampyr_core::{Body, Headers};

use crate::ReadOptions;

const LENIENT: GeneralPurposeConfig = GeneralPurposeConfig::new()
    .with_decode_padding_mode(DecodePaddingMode::Indifferent)
    .with_decode_allow_trailing_bits(true);
const STANDARD: GeneralPurpose = GeneralPurpose::new(&alphabet::STANDARD, LENIENT);
const URL_SAFE: GeneralPurpose = GeneralPurpose::new(&alphabet::URL_SAFE, LENIENT);

/// Decodes base64 leniently: standard or URL-safe alphabet, padding optional, line breaks and
/// spaces ignored (producers wrap long values).
pub(crate) fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let compact;
    let text = if text.bytes().any(|b| b.is_ascii_whitespace()) {
        compact = text
            .bytes()
            .filter(|b| !b.is_ascii_whitespace())
            .collect::<Vec<u8>>();
        &compact[..]
    } else {
        text.as_bytes()
    };
    STANDARD
        .decode(text)
        .or_else(|_| URL_SAFE.decode(text))
        .ok()
}

/// Bytes of a body as the source gave them, before content decoding.
pub(crate) struct RawBody {
    pub bytes: Vec<u8>,
    /// True when the bytes came out of base64 (so they are meant to be binary) rather than
    /// from a JSON text string.
    pub binary: bool,
}

impl RawBody {
    /// A body that came as JSON text.
    ///
    /// A few tools write compressed bytes as a string of U+0000..U+00FF characters; when
    /// the text starts with the gzip magic in that form it is mapped back to bytes.
    pub fn text(text: String) -> Self {
        let latin1 = text.starts_with("\u{1f}\u{8b}") && text.chars().all(|c| (c as u32) < 0x100);
        if latin1 {
            return Self {
                bytes: text.chars().map(|c| c as u8).collect(),
                binary: true,
            };
        }
        Self {
            bytes: text.into_bytes(),
            binary: false,
        }
    }
}

/// Builds the captured body: undoes the `Content-Encoding` named in `headers` when the bytes
/// really are encoded, then applies the body limit.
///
/// HAR producers normally store bodies already decoded while keeping the header, so a coding
/// is undone only when the bytes show it: gzip and zlib by their magic bytes, raw deflate and
/// brotli (which have none) only when the bytes are binary (base64 or not UTF-8). When
/// decoding fails before producing anything, the bytes are kept as they were.
pub(crate) fn body(raw: RawBody, headers: &Headers, opts: &ReadOptions) -> Body {
    let codings: Vec<String> = headers
        .get_all("content-encoding")
        .flat_map(|v| v.split(','))
        .map(|c| c.trim().to_ascii_lowercase())
        .filter(|c| !c.is_empty() && c != "identity")
        .collect();
    if codings.is_empty() || raw.bytes.is_empty() {
        return Body::capture(raw.bytes, opts.limits);
    }
    let decoded = decode_content(raw, &codings, opts.max_decoded);
    if decoded.cut {
        let original = decoded.bytes.len() as u64;
        let mut bytes = decoded.bytes;
        bytes.truncate(opts.limits.max_body);
        bytes.shrink_to_fit();
        Body::from_parts(bytes, true, original)
    } else {
        Body::capture(decoded.bytes, opts.limits)
    }
}

/// Result of undoing content codings.
#[derive(Debug)]
pub(crate) struct Decoded {
    pub bytes: Vec<u8>,
    /// True when decoding stopped at the cap or on corrupt data after some output: the
    /// bytes are a prefix of the real body.
    pub cut: bool,
}

#[derive(Clone, Copy)]
enum Decoder {
    Gzip,
    Zlib,
    RawDeflate,
    Brotli,
}

/// Undoes `codings` (in the order they were applied, so undone last to first) as far as the
/// bytes allow, never producing more than `cap` bytes at any stage.
pub(crate) fn decode_content(raw: RawBody, codings: &[String], cap: usize) -> Decoded {
    let RawBody {
        mut bytes,
        mut binary,
    } = raw;
    for coding in codings.iter().rev() {
        let opaque = binary || std::str::from_utf8(&bytes).is_err();
        let decoder = match coding.as_str() {
            "gzip" | "x-gzip" if bytes.starts_with(&[0x1f, 0x8b]) => Decoder::Gzip,
            "deflate" if is_zlib(&bytes) => Decoder::Zlib,
            "deflate" if opaque => Decoder::RawDeflate,
            "br" if opaque => Decoder::Brotli,
            // Already decoded, or a coding we do not know: keep the bytes as they are.
            _ => break,
        };
        let has_magic = matches!(decoder, Decoder::Gzip | Decoder::Zlib);
        let (out, outcome) = match decoder {
            Decoder::Gzip => read_capped(flate2::read::MultiGzDecoder::new(&bytes[..]), cap),
            Decoder::Zlib => read_capped(flate2::read::ZlibDecoder::new(&bytes[..]), cap),
            Decoder::RawDeflate => read_capped(flate2::read::DeflateDecoder::new(&bytes[..]), cap),
            Decoder::Brotli => read_capped(brotli::Decompressor::new(&bytes[..], 4096), cap),
        };
        match outcome {
            Outcome::Complete => {
                bytes = out;
                binary = true;
            }
            Outcome::Cut => {
                return Decoded {
                    bytes: out,
                    cut: true,
                }
            }
            Outcome::Failed if has_magic && !out.is_empty() => {
                return Decoded {
                    bytes: out,
                    cut: true,
                }
            }
            Outcome::Failed => break,
        }
    }
    Decoded { bytes, cut: false }
}

/// A zlib stream header: deflate method, window ≤ 32K, and the header checksum.
fn is_zlib(bytes: &[u8]) -> bool {
    match bytes {
        [cmf, flg, ..] => {
            cmf & 0x0f == 8 && cmf >> 4 <= 7 && (u16::from(*cmf) << 8 | u16::from(*flg)) % 31 == 0
        }
        _ => false,
    }
}

#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    /// The stream ended within the cap.
    Complete,
    /// The stream had more than `cap` bytes; the output holds exactly `cap`.
    Cut,
    /// The stream is corrupt; the output holds what came before the error.
    Failed,
}

/// Reads `reader` to its end, keeping at most `cap` bytes. Memory is bounded by `cap` however
/// much the reader could produce.
fn read_capped<R: Read>(mut reader: R, cap: usize) -> (Vec<u8>, Outcome) {
    let mut out = Vec::new();
    let mut buf = [0u8; 16 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => return (out, Outcome::Complete),
            Ok(n) => {
                let room = cap - out.len();
                if n > room {
                    out.extend_from_slice(&buf[..room]);
                    return (out, Outcome::Cut);
                }
                out.extend_from_slice(&buf[..n]);
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(_) => return (out, Outcome::Failed),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    pub(crate) fn brotli(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut enc = brotli::CompressorWriter::new(&mut out, 4096, 5, 22);
            enc.write_all(data).unwrap();
        }
        out
    }

    fn zlib(data: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
        enc.write_all(data).unwrap();
        enc.finish().unwrap()
    }

    fn binary(bytes: Vec<u8>) -> RawBody {
        RawBody {
            bytes,
            binary: true,
        }
    }

    fn codings(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn base64_is_lenient() {
        assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVsbG8").unwrap(), b"hello");
        assert_eq!(base64_decode("aGVs\nbG8=").unwrap(), b"hello");
        assert_eq!(base64_decode("-_8=").unwrap(), [0xfb, 0xff]);
        assert!(base64_decode("not base64!").is_none());
    }

    #[test]
    fn decodes_gzip_zlib_and_brotli() {
        let text = b"{\"hello\":\"world\"}";
        for (coding, bytes) in [
            ("gzip", gzip(text)),
            ("deflate", zlib(text)),
            ("br", brotli(text)),
        ] {
            let d = decode_content(binary(bytes), &codings(&[coding]), 1 << 20);
            assert_eq!(d.bytes, text, "{coding}");
            assert!(!d.cut);
        }
    }

    #[test]
    fn stacked_codings_are_undone_last_first() {
        let text = b"stacked";
        let bytes = brotli(&gzip(text));
        let d = decode_content(binary(bytes), &codings(&["gzip", "br"]), 1 << 20);
        assert_eq!(d.bytes, text);
    }

    #[test]
    fn already_decoded_text_is_kept() {
        let raw = RawBody::text("{\"a\":1}".into());
        let d = decode_content(raw, &codings(&["br"]), 1 << 20);
        assert_eq!(d.bytes, b"{\"a\":1}");
        let raw = RawBody::text("plain".into());
        let d = decode_content(raw, &codings(&["gzip"]), 1 << 20);
        assert_eq!(d.bytes, b"plain");
    }

    #[test]
    fn bomb_is_cut_at_the_cap() {
        let bomb = gzip(&vec![0u8; 50 << 20]);
        assert!(bomb.len() < 100_000);
        let d = decode_content(binary(bomb), &codings(&["gzip"]), 1 << 20);
        assert!(d.cut);
        assert_eq!(d.bytes.len(), 1 << 20);
    }

    #[test]
    fn corrupt_stream_keeps_the_decoded_prefix_or_the_original() {
        let mut bytes = gzip(&vec![b'a'; 100_000]);
        bytes.truncate(bytes.len() / 2);
        let d = decode_content(binary(bytes), &codings(&["gzip"]), 1 << 20);
        assert!(d.cut);
        assert!(!d.bytes.is_empty() && d.bytes.iter().all(|&b| b == b'a'));

        let junk = vec![0xff, 0x00, 0x13, 0x37];
        let d = decode_content(binary(junk.clone()), &codings(&["br"]), 1 << 20);
        assert_eq!(d.bytes, junk);
        assert!(!d.cut);
    }

    #[test]
    fn latin1_gzip_text_is_mapped_to_bytes() {
        let gz = gzip(b"latin");
        let text: String = gz.iter().map(|&b| b as char).collect();
        let raw = RawBody::text(text);
        assert!(raw.binary);
        let d = decode_content(raw, &codings(&["gzip"]), 1 << 20);
        assert_eq!(d.bytes, b"latin");
    }
}
