//! Property tests for what attackers control: request targets against the router, HMAC
//! signatures over arbitrary requests, JSON bodies through masking, certificate bytes, and the
//! credential redaction of the mirror.

use std::sync::OnceLock;

use lampyr_gateway::auth::{sign_request, AuthIndex, Secrets};
use lampyr_gateway::filters::mask::{MaskOutcome, RouteMask};
use lampyr_gateway::snapshot::Snapshot;
use lampyr_spec::{AuthMethod, ConsumerSpec, GatewaySpec, MaskSpec};
use proptest::prelude::*;

fn router() -> &'static Snapshot {
    static S: OnceLock<Snapshot> = OnceLock::new();
    S.get_or_init(|| {
        let spec: GatewaySpec = serde_json::from_value(serde_json::json!({
            "upstreams": [{"name": "u", "targets": [{"address": "127.0.0.1:9"}]}],
            "routes": [
                {"name": "tpl", "paths": ["/users/{id}/orders/{order}"], "path_match": "template", "upstream": "u"},
                {"name": "exact", "paths": ["/users/me"], "path_match": "exact", "upstream": "u"},
                {"name": "prefix", "paths": ["/static"], "upstream": "u", "strip_prefix": true}
            ]
        }))
        .unwrap();
        Snapshot::build(spec, &Secrets::new([1; 32]), None).unwrap()
    })
}

struct Hmac {
    rt: tokio::runtime::Runtime,
    auth: AuthIndex,
}

fn hmac() -> &'static Hmac {
    static H: OnceLock<Hmac> = OnceLock::new();
    H.get_or_init(|| {
        let secrets = Secrets::new([3; 32]);
        let c: ConsumerSpec = serde_json::from_value(serde_json::json!({
            "name": "c",
            "credentials": [{"type": "hmac", "access_key": "AK", "sealed_secret": secrets.seal("s3cret")}]
        }))
        .unwrap();
        Hmac {
            rt: tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
            auth: AuthIndex::build(&[c], &[], &secrets, None).unwrap(),
        }
    })
}

fn segment() -> impl Strategy<Value = String> {
    "[a-zA-Z0-9._~%-]{1,12}"
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn templates_match_exactly_their_shape(a in segment(), b in segment(), extra in proptest::option::of(segment())) {
        let h = http::HeaderMap::new();
        let s = router();
        let path = match &extra {
            Some(e) => format!("/users/{a}/orders/{b}/{e}"),
            None => format!("/users/{a}/orders/{b}"),
        };
        let m = s.router.route("h", &http::Method::GET, &path, &h);
        if extra.is_none() {
            prop_assert_eq!(m.map(|m| m.route.spec.name.clone()), Some("tpl".to_string()));
        } else {
            prop_assert!(m.is_none(), "{path} matched");
        }
    }

    #[test]
    fn routing_arbitrary_targets_never_panics_and_strips_only_the_prefix(path in "/[ -~]{0,64}", host in "[ -~]{0,32}") {
        let s = router();
        if let Some(m) = s.router.route(&host, &http::Method::POST, &path, &http::HeaderMap::new()) {
            if m.route.spec.name == "prefix" {
                prop_assert!(m.upstream_path.starts_with('/'));
                prop_assert!(path.ends_with(m.upstream_path.trim_start_matches('/')));
            }
        }
    }

    #[test]
    fn signed_requests_verify_and_any_change_to_the_body_is_refused(
        path in "/[a-z0-9/]{0,20}",
        query in proptest::option::of("[a-z]{1,5}=[a-z0-9]{0,5}(&[a-z]{1,5}=[a-z0-9]{0,5}){0,3}"),
        body in proptest::collection::vec(any::<u8>(), 0..200),
        nonce in "[A-Za-z0-9]{8,32}",
        flip in any::<prop::sample::Index>(),
    ) {
        let h = hmac();
        let now = 1_900_000_000i64;
        let target = match &query { Some(q) => format!("{path}?{q}"), None => path.clone() };
        let date = now.to_string();
        let headers = [("host", "api.test"), ("x-date", date.as_str()), ("x-nonce", nonce.as_str())];
        let auth = sign_request("AK", b"s3cret", "POST", &target, &headers, &body);
        let parts = |nonce: &str| {
            let mut b = http::Request::builder().method("POST").uri(target.as_str())
                .header("host", "api.test").header("x-date", date.as_str()).header("x-nonce", nonce)
                .header("authorization", auth.as_str());
            b = b.header("content-type", "application/octet-stream");
            b.body(()).unwrap().into_parts().0
        };
        let m = [AuthMethod::Hmac];
        if !body.is_empty() {
            let mut tampered = body.clone();
            let i = flip.index(tampered.len());
            tampered[i] ^= 0x01;
            let r = h.rt.block_on(h.auth.authenticate(&m, &parts(&nonce), &tampered, None, now));
            prop_assert!(r.is_err(), "tampered body accepted");
        }
        let ok = h.rt.block_on(h.auth.authenticate(&m, &parts(&nonce), &body, None, now));
        prop_assert!(ok.is_ok(), "{:?}", ok.err());
        let replay = h.rt.block_on(h.auth.authenticate(&m, &parts(&nonce), &body, None, now));
        prop_assert!(replay.is_err(), "replay accepted");
    }

    #[test]
    fn masking_keeps_json_valid_and_key_order_and_hides_mobiles(
        keys in proptest::collection::vec(
            prop::sample::select(vec!["mobile", "phone", "tel", "contactPhone", "user.mobile", "sjhm"]),
            1..6,
        ),
        digits in proptest::collection::vec(10_000_000u32..100_000_000, 1..6),
    ) {
        // Numbers made of few distinct digits (13800000000) are placeholders the classifier
        // rightly leaves alone; real mobiles vary.
        for d in &digits {
            let distinct: std::collections::BTreeSet<char> = d.to_string().chars().collect();
            prop_assume!(distinct.len() >= 4);
        }
        let mask = RouteMask::new(&MaskSpec {
            types: vec!["cn_mobile".into()],
            clear_for_groups: Default::default(),
            clear_for_consumers: Default::default(),
            max_body: 1 << 20,
        }).unwrap();
        let plan = mask.plan(None).unwrap();
        let mut obj = serde_json::Map::new();
        let mut mobiles = Vec::new();
        for (i, k) in keys.iter().enumerate() {
            let d = digits[i % digits.len()];
            let mobile = format!("138{d:08}");
            obj.insert(format!("{k}{i}"), serde_json::Value::String(mobile.clone()));
            mobiles.push(mobile);
        }
        let body = serde_json::to_vec(&serde_json::Value::Object(obj.clone())).unwrap();
        match mask.mask(&plan, &body) {
            MaskOutcome::Masked { body: out, count } => {
                let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
                let got: Vec<&String> = v.as_object().unwrap().keys().collect();
                let want: Vec<&String> = obj.keys().collect();
                prop_assert_eq!(got, want);
                prop_assert!(count >= 1);
                let text = String::from_utf8(out).unwrap();
                for m in &mobiles {
                    prop_assert!(!text.contains(m.as_str()), "{} in clear: {}", m, text);
                }
            }
            other => prop_assert!(false, "not masked: {:?}", std::mem::discriminant(&other)),
        }
    }

    #[test]
    fn certificate_parsing_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..512)) {
        let _ = lampyr_gateway::server::der::parse_certificate(&bytes);
    }

    #[test]
    fn an_api_key_header_never_reaches_the_mirror(key in "[ -~]{1,64}") {
        let r = lampyr_gateway::mirror::redact_credential("x-api-key", &key).unwrap();
        prop_assert_eq!(r, "[redacted]");
        let basic = lampyr_gateway::mirror::redact_credential("authorization", &format!("Basic {key}")).unwrap();
        prop_assert!(!basic.contains(key.trim()) || key.trim().is_empty() || "Basic [redacted]".contains(key.trim()));
    }
}
