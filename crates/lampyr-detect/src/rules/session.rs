//! Session fixation (CRS 943xxx territory): a script that sets `document.cookie` or a
//! `Set-Cookie` meta tag in a parameter, and a session id handed over as a parameter (the
//! victim's browser then logs into the attacker's session), worst when the link comes from
//! another site.

use super::builtin::{ReqInfo, RxRule, View};
use super::{RuleHit, Value};
use crate::placement::scope;
use crate::Severity::Critical;

/// Category of session fixation (not yet a constant of [`crate::category`]; the report family
/// is `attack.session_fixation`).
pub const SESSION_FIXATION: &str = crate::category::SESSION_FIXATION;

/// Session cookie names of web frameworks: as a parameter name, a session id handed over.
pub const FRAMEWORK_SESSION_NAMES: &[&str] = &[
    "jsessionid",
    "phpsessid",
    "phpsession",
    "aspsessionid",
    "asp.net_sessionid",
    "aspxauth",
    ".aspxauth",
    "cfid",
    "cftoken",
    "cfsid",
    "jservsession",
    "jwsession",
    "weblogicsession",
    "laravel_session",
    "ci_session",
    "_rails_session",
    "rack.session",
    "connect.sid",
    "sails.sid",
    "koa.sess",
    "koa:sess",
    "play_session",
    "next-auth.session-token",
    "__host-next-auth.session-token",
    "__secure-next-auth.session-token",
    "_flask_session",
    "meteor_login_token",
    "shiny-token",
    "zend_session_id",
    "cakephp",
    "symfony",
    "django_session",
    "sessionid_django",
    "express.sid",
    "_session_id",
];

/// Generic session parameter names: only with a foreign referer.
pub const GENERIC_SESSION_NAMES: &[&str] =
    &["sessionid", "session_id", "session-id", "sessid", "sid"];

/// The table rules.
pub fn rules() -> Vec<RxRule> {
    vec![RxRule::new(
        "session.cookie_setting",
        SESSION_FIXATION,
        Critical,
        1,
        View::Folded,
        scope::PAYLOAD | scope::PATH,
        &[".cookie", "set-cookie"],
        r#"\.cookie\s*(?:=|;\s*expires\s*=|\[)|document\s*\.\s*cookie\b|http-equiv\s*=\s*['"]?set-cookie"#,
    )]
}

fn is_session_name(name: &str, list: &[&str]) -> bool {
    list.iter().any(|n| n.eq_ignore_ascii_case(name))
}

/// Code check: a session id as a parameter name.
pub fn check(v: &Value<'_>, sc: u32, info: &ReqInfo<'_>, out: &mut Vec<RuleHit>) {
    if sc & scope::NAMES == 0 || v.from_base64 {
        return;
    }
    let name = v.decoded.trim();
    let framework = is_session_name(name, FRAMEWORK_SESSION_NAMES);
    let generic = !framework && is_session_name(name, GENERIC_SESSION_NAMES);
    if !framework && !generic {
        return;
    }
    let foreign = info
        .referer_host
        .is_some_and(|r| !info.host.is_empty() && !r.eq_ignore_ascii_case(info.host));
    let rule = match (foreign, framework, info.referer_host.is_none()) {
        (true, _, _) => "session.id_param_foreign_referer",
        (false, true, true) => "session.id_param",
        _ => return,
    };
    out.push(RuleHit {
        rule,
        category: SESSION_FIXATION,
        severity: Critical,
        paranoia: 1,
        span: 0..v.decoded.len(),
    });
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::{fires, hits_with};
    use crate::placement::scope;

    #[test]
    fn cookie_setting_scripts_are_caught() {
        assert!(fires(
            "blah<script>document.cookie=\"sessionid=1234; domain=.example.dom\";</script>",
            "session.",
            1
        ));
        assert!(fires(".cookie;expires=", "session.", 1));
        assert!(!fires("cookie jar", "session.", 1));
    }

    #[test]
    fn session_ids_as_parameters_depend_on_the_referer() {
        let ids = |name: &str, referer: Option<&str>| -> Vec<&'static str> {
            hits_with(name, scope::QUERY_NAME, referer)
                .into_iter()
                .map(|h| h.0)
                .collect()
        };
        assert_eq!(ids("jsessionid", None), vec!["session.id_param"]);
        assert_eq!(
            ids("PHPSESSID", Some("evil.com")),
            vec!["session.id_param_foreign_referer"]
        );
        assert_eq!(
            ids("sessionid", Some("attacker.example.com")),
            vec!["session.id_param_foreign_referer"]
        );
        assert!(ids("jsessionid", Some("localhost")).is_empty());
        assert!(ids("sessionid", None).is_empty());
        assert!(ids("username", Some("evil.com")).is_empty());
    }
}
