//! Arbitrary bytes as what a client controls at the gateway: request headers (authentication
//! of every kind: API key, HMAC signature, JWT, basic), the request id and trace context, a
//! client certificate, and a JSON response body through masking. Nothing panics, nothing
//! hangs, a forged credential never authenticates, and masking keeps JSON valid.
#![no_main]

use std::sync::OnceLock;

use lampyr_gateway::auth::{AuthIndex, Secrets};
use lampyr_gateway::filters::mask::{MaskOutcome, RouteMask};
use lampyr_spec::{AuthMethod, ConsumerSpec, JwtIssuerSpec, MaskSpec};
use libfuzzer_sys::fuzz_target;

struct World {
    rt: tokio::runtime::Runtime,
    auth: AuthIndex,
    mask: RouteMask,
}

fn world() -> &'static World {
    static W: OnceLock<World> = OnceLock::new();
    W.get_or_init(|| {
        std::env::set_var("FUZZ_JWT_SECRET", "fuzz-jwt-secret-0123456789abcdef");
        let secrets = Secrets::new([9u8; 32]);
        let consumer: ConsumerSpec = serde_json::from_value(serde_json::json!({
            "name": "c",
            "credentials": [
                {"type": "api_key", "hash": secrets.hash_api_key("lpk_fuzz_secretkey")},
                {"type": "hmac", "access_key": "AK", "sealed_secret": secrets.seal("hmac-secret")},
                {"type": "jwt", "issuer": "iss", "subject": "sub"}
            ]
        }))
        .unwrap();
        let issuer: JwtIssuerSpec = serde_json::from_value(serde_json::json!({
            "issuer": "iss", "algorithms": ["HS256"],
            "keys": [{"alg": "HS256", "secret_env": "FUZZ_JWT_SECRET"}]
        }))
        .unwrap();
        let auth = AuthIndex::build(&[consumer], &[issuer], &secrets, None).expect("valid");
        let mask = RouteMask::new(&MaskSpec {
            types: vec![],
            clear_for_groups: Default::default(),
            clear_for_consumers: Default::default(),
            max_body: 64 * 1024,
        })
        .unwrap();
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        World { rt, auth, mask }
    })
}

fuzz_target!(|data: &[u8]| {
    let w = world();
    // First line: header lines `name: value` until an empty line; the rest is a body.
    let split = data.windows(2).position(|p| p == b"\n\n").unwrap_or(data.len());
    let (head, body) = (&data[..split], data.get(split + 2..).unwrap_or(&[]));
    let mut builder = http::Request::builder().method("POST").uri("/orders?a=1");
    for line in head.split(|b| *b == b'\n') {
        if let Some(colon) = line.iter().position(|b| *b == b':') {
            let (n, v) = (&line[..colon], line[colon + 1..].trim_ascii());
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(n),
                http::HeaderValue::from_bytes(v),
            ) {
                builder = builder.header(n, v);
            }
        }
    }
    let Ok(req) = builder.body(()) else { return };
    let (parts, ()) = req.into_parts();
    let methods = [AuthMethod::ApiKey, AuthMethod::Hmac, AuthMethod::Jwt];
    let now = 1_900_000_000;
    if let Ok(id) = w.rt.block_on(w.auth.authenticate(&methods, &parts, body, None, now)) {
        // Only the real API key can authenticate: an HMAC signature or a JWT would need the
        // secret, which the fuzzer does not know.
        let key = parts.headers.get("x-api-key").map(|v| v.as_bytes());
        assert!(
            key == Some(b"lpk_fuzz_secretkey") || head.windows(18).any(|w| w == b"lpk_fuzz_secretkey"),
            "authenticated without the secret: {id:?}"
        );
    }
    let _ = lampyr_gateway::server::headers::request_id(&parts.headers);
    let _ = lampyr_gateway::server::headers::traceparent(&parts.headers);
    let _ = lampyr_gateway::server::der::parse_certificate(body);
    if let Some(plan) = w.mask.plan(None) {
        if let MaskOutcome::Masked { body: out, .. } = w.mask.mask(&plan, body) {
            if serde_json::from_slice::<serde_json::Value>(body).is_ok() {
                assert!(
                    serde_json::from_slice::<serde_json::Value>(&out).is_ok(),
                    "masking broke JSON"
                );
            }
        }
    }
});
