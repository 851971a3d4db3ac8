//! One raw HTTP/1.x request as bytes (`lampyr scan-request`, rule writers' test cases).
//!
//! Lenient where real clients are (bare LF line ends, absolute-form targets, a body without
//! `Content-Length` running to the end of the input) and strict where ambiguity would hide an
//! attack from the inspector: a `Content-Length` the input cannot satisfy and malformed
//! chunked framing are errors naming the line or the chunk.

use lampyr_core::{Body, BodyLimits, Headers, Request};

/// Header lines accepted in one request.
pub const MAX_HEADERS: usize = 256;
/// Bytes accepted in the request line or one header line.
pub const MAX_LINE: usize = 64 * 1024;

/// Why a raw request could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RawRequestError {
    /// The input ends before the blank line that ends the headers.
    #[error("request ends inside the head (no blank line after the headers)")]
    UnterminatedHead,
    /// The request line is not `METHOD TARGET HTTP/x.y`.
    #[error("line 1: malformed request line: {0}")]
    RequestLine(String),
    /// A header line has no colon or an empty name.
    #[error("line {line}: malformed header line")]
    Header {
        /// 1-based line number.
        line: usize,
    },
    /// A line longer than [`MAX_LINE`].
    #[error("line {line}: longer than {MAX_LINE} bytes")]
    LineTooLong {
        /// 1-based line number.
        line: usize,
    },
    /// More than [`MAX_HEADERS`] header lines.
    #[error("more than {MAX_HEADERS} header lines")]
    TooManyHeaders,
    /// `Content-Length` is not a number, or the input holds fewer bytes than it says.
    #[error("Content-Length {value:?}: {problem}")]
    ContentLength {
        /// The header value.
        value: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// Chunked framing is broken.
    #[error("chunked body, chunk {chunk}: {problem}")]
    Chunked {
        /// 1-based chunk number.
        chunk: usize,
        /// What is wrong.
        problem: &'static str,
    },
}

/// Parses one HTTP/1.x request. The body is dechunked when `Transfer-Encoding: chunked`, cut to
/// `Content-Length` when given, else everything after the head; then captured under `limits`.
pub fn parse_request(input: &[u8], limits: BodyLimits) -> Result<Request, RawRequestError> {
    let mut lines = Lines {
        input,
        pos: 0,
        n: 0,
    };
    let first = loop {
        match lines.next()? {
            Some(l) if l.is_empty() && lines.n == 1 => {
                // Tolerate blank lines before the request line (RFC 9112 §2.2).
                lines.n = 0;
                continue;
            }
            Some(l) => break l,
            None => return Err(RawRequestError::UnterminatedHead),
        }
    };
    let first = String::from_utf8_lossy(first);
    let mut parts = first.split_ascii_whitespace();
    let (Some(method), Some(target), version) = (parts.next(), parts.next(), parts.next()) else {
        return Err(RawRequestError::RequestLine(cut(&first)));
    };
    let version = version.unwrap_or("HTTP/1.0");
    if parts.next().is_some() || !version.starts_with("HTTP/") || !is_token(method) {
        return Err(RawRequestError::RequestLine(cut(&first)));
    }

    let mut headers = Headers::new();
    loop {
        let Some(line) = lines.next()? else {
            return Err(RawRequestError::UnterminatedHead);
        };
        if line.is_empty() {
            break;
        }
        if headers.len() == MAX_HEADERS {
            return Err(RawRequestError::TooManyHeaders);
        }
        let text = String::from_utf8_lossy(line);
        let Some((name, value)) = text.split_once(':') else {
            return Err(RawRequestError::Header { line: lines.n });
        };
        if name.is_empty() || name.ends_with([' ', '\t']) {
            return Err(RawRequestError::Header { line: lines.n });
        }
        headers.append(name.to_string(), value.trim().to_string());
    }
    let rest = &input[lines.pos..];

    let chunked = headers
        .get_all("transfer-encoding")
        .any(|v| v.to_ascii_lowercase().contains("chunked"));
    let body = if chunked {
        dechunk(rest)?
    } else if let Some(cl) = headers.get("content-length") {
        let n: usize = cl
            .trim()
            .parse()
            .map_err(|_| RawRequestError::ContentLength {
                value: cl.to_string(),
                problem: "not a number",
            })?;
        if n > rest.len() {
            return Err(RawRequestError::ContentLength {
                value: cl.to_string(),
                problem: "the input holds fewer body bytes",
            });
        }
        rest[..n].to_vec()
    } else {
        rest.to_vec()
    };

    let (scheme, authority, path_query) = split_target(target);
    let authority = authority
        .map(str::to_string)
        .or_else(|| headers.get("host").map(str::to_string))
        .unwrap_or_default();
    let (host, port) = split_authority(&authority);
    let (path, query) = match path_query.split_once('?') {
        Some((p, q)) => (p, Some(q.to_string())),
        None => (path_query, None),
    };
    Ok(Request {
        method: method.to_string(),
        scheme: scheme.unwrap_or("http").to_ascii_lowercase(),
        host,
        port,
        path: if path.is_empty() {
            "/".into()
        } else {
            path.into()
        },
        query,
        version: version.to_string(),
        headers,
        body: Body::capture(body, limits),
    })
}

struct Lines<'a> {
    input: &'a [u8],
    pos: usize,
    n: usize,
}

impl<'a> Lines<'a> {
    /// The next line without its CRLF or LF; `None` at the end of the input without one.
    fn next(&mut self) -> Result<Option<&'a [u8]>, RawRequestError> {
        let rest = &self.input[self.pos..];
        self.n += 1;
        let Some(nl) = memchr::memchr(b'\n', rest) else {
            if rest.len() > MAX_LINE {
                return Err(RawRequestError::LineTooLong { line: self.n });
            }
            return Ok(None);
        };
        if nl > MAX_LINE {
            return Err(RawRequestError::LineTooLong { line: self.n });
        }
        self.pos += nl + 1;
        let line = &rest[..nl];
        Ok(Some(line.strip_suffix(b"\r").unwrap_or(line)))
    }
}

fn dechunk(mut rest: &[u8]) -> Result<Vec<u8>, RawRequestError> {
    let mut out = Vec::new();
    let mut chunk = 0;
    loop {
        chunk += 1;
        let err = |problem| RawRequestError::Chunked { chunk, problem };
        let nl = memchr::memchr(b'\n', rest).ok_or(err("no size line"))?;
        let line = String::from_utf8_lossy(&rest[..nl]);
        let size_text = line
            .trim_end_matches('\r')
            .split(';')
            .next()
            .unwrap_or("")
            .trim();
        let size = usize::from_str_radix(size_text, 16).map_err(|_| err("size is not hex"))?;
        rest = &rest[nl + 1..];
        if size == 0 {
            return Ok(out);
        }
        if size > rest.len() {
            return Err(err("shorter than its size"));
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size..];
        rest = rest
            .strip_prefix(b"\r\n")
            .or_else(|| rest.strip_prefix(b"\n"))
            .ok_or(err("no line end after the data"))?;
    }
}

/// (scheme, authority, path-and-query) of an origin-, absolute- or asterisk-form target.
fn split_target(target: &str) -> (Option<&str>, Option<&str>, &str) {
    if let Some((scheme, rest)) = target.split_once("://") {
        if scheme
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
        {
            let end = rest.find(['/', '?']).unwrap_or(rest.len());
            let path = &rest[end..];
            return (Some(scheme), Some(&rest[..end]), path);
        }
    }
    if target == "*" {
        return (None, None, "/");
    }
    (None, None, target)
}

fn split_authority(authority: &str) -> (String, Option<u16>) {
    let authority = authority.rsplit('@').next().unwrap_or("");
    if let Some(rest) = authority.strip_prefix('[') {
        if let Some((h, tail)) = rest.split_once(']') {
            let port = tail.strip_prefix(':').and_then(|p| p.parse().ok());
            return (format!("[{}]", h.to_ascii_lowercase()), port);
        }
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if p.chars().all(|c| c.is_ascii_digit()) && !p.is_empty() => {
            (h.to_ascii_lowercase(), p.parse().ok())
        }
        _ => (authority.to_ascii_lowercase(), None),
    }
}

fn is_token(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

fn cut(s: &str) -> String {
    s.chars().take(80).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> Result<Request, RawRequestError> {
        parse_request(s.as_bytes(), BodyLimits::default())
    }

    #[test]
    fn reads_origin_form_with_body_by_content_length() {
        let r = parse(
            "POST /login?next=%2Fhome HTTP/1.1\r\nHost: API.Example.com:8443\r\nContent-Length: 5\r\n\r\nabcdeEXTRA",
        )
        .unwrap();
        assert_eq!(r.method, "POST");
        assert_eq!(r.host, "api.example.com");
        assert_eq!(r.port, Some(8443));
        assert_eq!(r.path, "/login");
        assert_eq!(r.query.as_deref(), Some("next=%2Fhome"));
        assert_eq!(r.body.bytes(), b"abcde");
    }

    #[test]
    fn reads_absolute_form_bare_lf_and_body_to_end() {
        let r = parse("GET https://h.example/a/b HTTP/1.1\nX-A: 1\n\nrest").unwrap();
        assert_eq!(r.scheme, "https");
        assert_eq!(r.host, "h.example");
        assert_eq!(r.path, "/a/b");
        assert_eq!(r.query, None);
        assert_eq!(r.headers.get("x-a"), Some("1"));
        assert_eq!(r.body.bytes(), b"rest");
    }

    #[test]
    fn dechunks() {
        let r = parse(
            "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;ext=1\r\nde\r\n0\r\n\r\n",
        )
        .unwrap();
        assert_eq!(r.body.bytes(), b"abcde");
    }

    #[test]
    fn errors_name_what_and_where() {
        assert_eq!(parse("GET /\r\n"), Err(RawRequestError::UnterminatedHead));
        assert!(matches!(
            parse("GET\r\n\r\n"),
            Err(RawRequestError::RequestLine(_))
        ));
        assert_eq!(
            parse("GET / HTTP/1.1\r\nHost: a\r\nbroken\r\n\r\n"),
            Err(RawRequestError::Header { line: 3 })
        );
        assert!(matches!(
            parse("POST / HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc"),
            Err(RawRequestError::ContentLength { .. })
        ));
        assert_eq!(
            parse("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"),
            Err(RawRequestError::Chunked {
                chunk: 1,
                problem: "size is not hex"
            })
        );
    }

    proptest::proptest! {
        #[test]
        fn never_panics(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..512)) {
            let _ = parse_request(&bytes, BodyLimits { max_body: 64 });
        }

        #[test]
        fn any_header_value_round_trips(v in "[ -~]{0,40}") {
            let text = format!("GET / HTTP/1.1\r\nX-V: {v}\r\n\r\n");
            let r = parse(&text).unwrap();
            proptest::prop_assert_eq!(r.headers.get("x-v"), Some(v.trim()));
        }
    }
}
