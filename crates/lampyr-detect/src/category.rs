//! Finding categories: the stable prefixes of DESIGN.md. The part after the first dot may grow
//! (`abuse.bola.sequential` is still `abuse.bola`), the prefixes never change meaning.

/// SQL injection.
pub const SQLI: &str = "attack.sqli";
/// Cross-site scripting.
pub const XSS: &str = "attack.xss";
/// Path traversal and local or remote file inclusion.
pub const PATH_TRAVERSAL: &str = "attack.path_traversal";
/// OS command injection (and code injection into interpreters).
pub const COMMAND_INJECTION: &str = "attack.command_injection";
/// Server-side request forgery.
pub const SSRF: &str = "attack.ssrf";
/// XML external entities.
pub const XXE: &str = "attack.xxe";
/// Server-side template injection.
pub const SSTI: &str = "attack.ssti";
/// JNDI lookups (Log4Shell).
pub const JNDI: &str = "attack.jndi";
/// NoSQL operator injection.
pub const NOSQLI: &str = "attack.nosqli";
/// LDAP injection.
pub const LDAPI: &str = "attack.ldapi";
/// XPath injection.
pub const XPATHI: &str = "attack.xpathi";
/// CRLF and header injection, response splitting, request smuggling markers.
pub const CRLF: &str = "attack.crlf";
/// Prototype pollution.
pub const PROTOTYPE_POLLUTION: &str = "attack.prototype_pollution";
/// Insecure deserialisation markers.
pub const DESERIALIZATION: &str = "attack.deserialization";
/// Mass assignment of privileged fields.
pub const MASS_ASSIGNMENT: &str = "attack.mass_assignment";
/// Known scanners and attack tools.
pub const SCANNER: &str = "attack.scanner";
/// Session fixation: a session id planted through a parameter, a cookie-setting script or
/// header. An addition to the DESIGN.md vocabulary (the prefix `attack.` is stable).
pub const SESSION_FIXATION: &str = "attack.session_fixation";

/// Credential stuffing (many accounts, leaked pairs).
pub const CREDENTIAL_STUFFING: &str = "abuse.credential_stuffing";
/// Brute force on one account.
pub const BRUTE_FORCE: &str = "abuse.brute_force";
/// Broken object-level authorisation: walking other people's object ids.
pub const BOLA: &str = "abuse.bola";
/// Scraping and bulk harvesting.
pub const SCRAPING: &str = "abuse.scraping";
/// Content discovery and vulnerability scanning.
pub const ABUSE_SCANNER: &str = "abuse.scanner";
/// One token used from many places.
pub const TOKEN_SHARING: &str = "abuse.token_sharing";
/// Request rate far above an endpoint's learned baseline.
pub const RATE_ANOMALY: &str = "abuse.rate_anomaly";
/// Sensitive-record volume crossing the grading profile's leak thresholds.
pub const BULK_SENSITIVE: &str = "leak.bulk_sensitive";

/// Sensitive data served without authentication.
pub const POSTURE_UNAUTHENTICATED_SENSITIVE: &str = "posture.unauthenticated_sensitive";
/// Sensitive data in the URL path or query string.
pub const POSTURE_SENSITIVE_IN_URL: &str = "posture.sensitive_in_url";
/// Credentials or secrets in responses.
pub const POSTURE_SECRET_IN_RESPONSE: &str = "posture.secret_in_response";
/// Passwords sent over plain HTTP.
pub const POSTURE_PLAINTEXT_CREDENTIALS: &str = "posture.plaintext_credentials";
/// JWTs with `alg: none` or no expiry.
pub const POSTURE_WEAK_JWT: &str = "posture.weak_jwt";
/// Verbose errors, stack traces, database errors.
pub const POSTURE_VERBOSE_ERROR: &str = "posture.verbose_error";
/// Permissive CORS with credentials.
pub const POSTURE_CORS: &str = "posture.cors";
/// A login endpoint with no rate limiting observed.
pub const POSTURE_NO_LOGIN_RATE_LIMIT: &str = "posture.no_login_rate_limit";
/// A component version with known vulnerabilities.
pub const POSTURE_VULNERABLE_COMPONENT: &str = "posture.vulnerable_component";

/// The family of a category: the text up to the second dot (`attack.sqli.union` → `attack.sqli`).
pub fn family(category: &str) -> &str {
    match category.match_indices('.').nth(1) {
        Some((i, _)) => &category[..i],
        None => category,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn family_cuts_after_the_second_segment() {
        assert_eq!(family("abuse.bola.sequential"), "abuse.bola");
        assert_eq!(family("attack.sqli"), "attack.sqli");
        assert_eq!(family("posture"), "posture");
    }
}
