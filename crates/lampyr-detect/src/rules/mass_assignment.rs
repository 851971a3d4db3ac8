//! Mass assignment: privileged fields set in a write request (`{"isAdmin": true}`,
//! `{"role": "admin"}`, `user[is_superuser]=1`).
//!
//! An inline rule cannot know whether the caller may set the field (an admin console does it
//! legitimately), so the rules are conservative: a clearly privileged value scores `High` at
//! paranoia 1 (a signal that needs a second one to reach the default threshold) plus `Low` at
//! paranoia 3 (together an attack: on real API traffic admin consoles set `"permission":
//! "admin"` and `"role": "Owner"` legitimately, so blocking on the value alone is paranoid);
//! a privileged field with an ordinary value only scores at paranoia 3. [`privileged_field`] lets the caller combine the field list with the learned
//! API schema (a privileged field the endpoint never receives in normal traffic).

use super::generic::{hit, last_segment};
use super::{ByteSet, Family, RequestContext, RuleHit, Value, ValueKind};
use crate::{category, Location, Severity};

/// Field names (lower-case, `_`/`-` removed) that grant privileges or bypass checks.
const FLAG_FIELDS: &[&str] = &[
    "isadmin",
    "admin",
    "issuperuser",
    "superuser",
    "issuperadmin",
    "superadmin",
    "isstaff",
    "staff",
    "isroot",
    "root",
    "issysadmin",
    "isowner",
    "ismoderator",
    "isverified",
    "verified",
    "emailverified",
    "isemailverified",
    "phoneverified",
    "isapproved",
    "approved",
    "isinternal",
    "istrusted",
    "trusted",
    "ispremium",
    "bypass",
    "mfadisabled",
];

/// Field names that carry a role or privilege level.
const ROLE_FIELDS: &[&str] = &[
    "role",
    "roles",
    "userrole",
    "usertype",
    "accounttype",
    "accesslevel",
    "privilege",
    "privileges",
    "permission",
    "permissions",
    "group",
    "groups",
    "usergroup",
    "scope",
    "scopes",
    "authorities",
    "level",
    "rank",
    "tier",
    "plan",
];

/// Fields that move money or ownership.
const OWNERSHIP_FIELDS: &[&str] = &[
    "balance",
    "accountbalance",
    "credit",
    "credits",
    "walletbalance",
    "ownerid",
    "owner",
    "tenantid",
    "orgid",
    "organizationid",
    "createdby",
    "price",
    "discount",
    "quota",
];

/// Values that name a privileged role.
const PRIVILEGED_ROLES: &[&str] = &[
    "admin",
    "administrator",
    "superadmin",
    "super_admin",
    "superuser",
    "super_user",
    "root",
    "sysadmin",
    "system",
    "owner",
    "god",
    "staff",
    "moderator",
    "role_admin",
    "admins",
    "administrators",
    "*",
    "all",
    "full",
    "full_access",
    "fullaccess",
    "write:all",
    "admin:all",
];

fn normalise(key: &str) -> String {
    last_segment(key)
        .chars()
        .filter(|c| *c != '_' && *c != '-')
        .flat_map(char::to_lowercase)
        .collect()
}

/// [`normalise`] of an ASCII key into `buf`, without allocating; `None` for a non-ASCII key.
/// A key longer than `buf` is cut (and then matches no listed field, all far shorter).
fn normalise_ascii<'b>(key: &str, buf: &'b mut [u8; 64]) -> Option<&'b str> {
    let seg = last_segment(key);
    if !seg.is_ascii() {
        return None;
    }
    let mut n = 0;
    for b in seg.bytes().filter(|b| *b != b'_' && *b != b'-') {
        if n == buf.len() {
            // Longer than any listed field: make sure it matches none.
            buf[0] = b'#';
            break;
        }
        buf[n] = b.to_ascii_lowercase();
        n += 1;
    }
    std::str::from_utf8(&buf[..n]).ok()
}

/// Whether a field name (any path; the last segment counts) grants privileges, roles,
/// ownership or money: the fields worth comparing with what an endpoint normally receives.
pub fn privileged_field(key: &str) -> bool {
    let k = normalise(key);
    FLAG_FIELDS.contains(&k.as_str())
        || ROLE_FIELDS.contains(&k.as_str())
        || OWNERSHIP_FIELDS.contains(&k.as_str())
}

fn truthy(v: &str) -> bool {
    matches!(
        v.trim().trim_matches('"').to_ascii_lowercase().as_str(),
        "true" | "1" | "yes" | "on" | "y"
    )
}

fn privileged_role(v: &str) -> bool {
    let v = v.trim().trim_matches(['"', '[', ']']).to_ascii_lowercase();
    v.split([',', ' '])
        .map(|p| p.trim().trim_matches('"'))
        .any(|p| PRIVILEGED_ROLES.contains(&p))
}

/// The mass-assignment family.
#[derive(Debug, Default)]
pub struct MassAssignment;

/// Every family this module provides.
pub fn families() -> Vec<Box<dyn Family>> {
    vec![Box::new(MassAssignment)]
}

impl Family for MassAssignment {
    /// Body fields of writes only (the value's bytes do not matter).
    fn may_match(&self, v: &Value<'_>, ctx: &RequestContext<'_>, _bytes: &ByteSet) -> bool {
        v.kind == ValueKind::Content
            && v.placement.location == Location::Body
            && !v.key.is_empty()
            && ["POST", "PUT", "PATCH"]
                .iter()
                .any(|m| ctx.method.eq_ignore_ascii_case(m))
    }

    fn check(&self, v: &Value<'_>, ctx: &RequestContext<'_>, out: &mut Vec<RuleHit>) {
        if !self.may_match(v, ctx, &ByteSet::default()) {
            return;
        }
        let mut buf = [0u8; 64];
        let owned;
        let k: &str = match normalise_ascii(v.key, &mut buf) {
            Some(k) => k,
            None => {
                owned = normalise(v.key);
                &owned
            }
        };
        let flag = FLAG_FIELDS.contains(&k);
        let role = ROLE_FIELDS.contains(&k);
        let clearly = (flag && truthy(v.decoded)) || (role && privileged_role(v.decoded));
        let cat = category::MASS_ASSIGNMENT;
        if clearly {
            let span = 0..v.decoded.len();
            out.push(hit(
                "mass_assignment.privileged_value",
                cat,
                Severity::High,
                1,
                span.clone(),
            ));
            out.push(hit(
                "mass_assignment.privileged_value_strict",
                cat,
                Severity::Low,
                3,
                span,
            ));
        } else if flag || role || OWNERSHIP_FIELDS.contains(&k) {
            out.push(hit(
                "mass_assignment.privileged_field",
                cat,
                Severity::Low,
                3,
                0..0,
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static FAMS: std::sync::LazyLock<Vec<Box<dyn Family>>> = std::sync::LazyLock::new(families);
    use crate::rules::generic::test_support::check_value;
    use crate::rules::RuleHit;

    fn body(method: &str, key: &str, v: &str) -> Vec<RuleHit> {
        check_value(
            &FAMS,
            Location::Body,
            ValueKind::Content,
            key,
            v,
            method,
            Some("application/json"),
        )
    }

    fn score_at(hits: &[RuleHit], pl: u8) -> u32 {
        hits.iter()
            .filter(|h| h.paranoia <= pl)
            .map(|h| h.severity.score())
            .sum()
    }

    #[test]
    fn privileged_values_signal_at_pl1_and_block_at_pl3() {
        for (k, v) in [
            ("isAdmin", "true"),
            ("user.is_admin", "1"),
            ("role", "admin"),
            ("user[roles][0]", "superuser"),
            ("roles", "[\"user\",\"admin\"]"),
            ("is_superuser", "true"),
        ] {
            let h = body("POST", k, v);
            assert!(score_at(&h, 1) > 0 && score_at(&h, 2) < 5, "{k}={v}");
            assert!(score_at(&h, 3) >= 5, "{k}={v}");
        }
    }

    #[test]
    fn ordinary_values_and_reads_are_quiet() {
        assert_eq!(score_at(&body("PATCH", "role", "viewer"), 2), 0);
        assert_eq!(score_at(&body("POST", "isAdmin", "false"), 2), 0);
        assert!(body("GET", "isAdmin", "true").is_empty());
        assert!(body("POST", "comment", "make me admin").is_empty());
        let q = check_value(
            &FAMS,
            Location::Query,
            ValueKind::Content,
            "isAdmin",
            "true",
            "POST",
            None,
        );
        assert!(q.is_empty());
    }

    #[test]
    fn privileged_field_names() {
        assert!(privileged_field("user.isAdmin"));
        assert!(privileged_field("account_balance"));
        assert!(privileged_field("data[owner_id]"));
        assert!(!privileged_field("username"));
        assert!(!privileged_field("description"));
    }
}
