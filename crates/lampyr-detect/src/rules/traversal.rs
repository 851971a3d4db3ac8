//! Path traversal and local file inclusion (CRS 930xxx territory): `../` in every encoding the
//! normaliser undoes plus the `0x2e` hex spelling, well-known sensitive files of Unix and
//! Windows, hidden files and backup files requested by path, NUL bytes that cut a file
//! extension.

use super::builtin::{RxRule, View};
use super::{RuleHit, Value};
use crate::category::PATH_TRAVERSAL as CAT;
use crate::placement::scope;
use crate::Severity::{Critical, High};

/// Where traversal is looked for: parameters and their names, cookies, the path, file names.
const WHERE: u32 = scope::PAYLOAD | scope::PATH | scope::PATH_SEGMENT | scope::FILENAME;

/// Separator before a file path: start, path separators, and what ends a shell word or an
/// assignment.
const PRE: &str = r#"(?:^|[/\\\s'"=:;|>(,])"#;

/// The table rules.
pub fn rules() -> Vec<RxRule> {
    let traversal = RxRule::new(
        "lfi.traversal",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["..", "0x2e", "\u{2025}"],
        r"(?:^|[/\\;=:\s'|]|0x5c|0x2f)(?:\.|0x2e){2,3}(?:[/\\;]|0x2f|0x5c)",
    );
    let unix_file = RxRule::new(
        "lfi.unix_file",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &[
            "etc/",
            "etc\\",
            "proc/",
            "proc\\",
            "sys/",
            "dev/tcp",
            "dev/udp",
            "var/log",
            "var/run",
            "var/mail",
            "var/spool",
            "var/lib",
            "usr/local",
            "root/",
            ".ssh",
            ".aws",
            ".docker",
            ".kube",
            ".gnupg",
            ".config/",
        ],
        format!(
            r"{PRE}(?:etc[/\\]+(?:passwd|shadow|master\.passwd|group|gshadow|hosts|hostname|issue|motd|sudoers|crontab|cron\.d|subuid|subgid|resolv\.conf|fstab|mtab|profile|bashrc|environment|security[/\\]|ssh[/\\]|mysql[/\\]|apache2?[/\\]|nginx[/\\]|httpd[/\\]|php[0-9./]*[/\\]|inittab|network[/\\]|sysconfig[/\\]|shells|ld\.so|init\.d|rc\.d|passwd-|shadow-|redhat-release|debian_version|lsb-release|os-release|machine-id|pam\.d|apt[/\\]|yum|docker[/\\]|kubernetes[/\\]|ssl[/\\]|pki[/\\]|my\.cnf|aliases|exports|ftpusers|smb\.conf|vsftpd|proftpd|tomcat|postfix|opt[/\\]|x11[/\\])|proc[/\\]+(?:self|thread-self|\d+|version|cmdline|environ|cpuinfo|meminfo|mounts|net[/\\]|interrupts|sched_debug|kcore|modules|partitions|stat\b|filesystems|devices|loadavg|uptime|swaps|kallsyms)|sys[/\\]+(?:class|kernel|devices|firmware|power|module|block|bus|fs)\b|dev[/\\]+(?:tcp|udp)[/\\]|var[/\\]+(?:log|run|mail|spool|lib[/\\]+(?:mysql|pgsql|postgresql|docker))[/\\]|root[/\\]+\.|usr[/\\]+local[/\\]+(?:apps|etc|apache|nginx|lib[/\\]php)|\.ssh[/\\]|\.aws[/\\]|\.docker[/\\]|\.kube[/\\]|\.gnupg[/\\]|\.config[/\\]+(?:gcloud|gh|hub|git))"
        ),
    );
    let dotfile = RxRule::new(
        "lfi.dotfile",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &[
            ".ht",
            ".env",
            ".git",
            ".svn",
            ".hg",
            "history",
            ".bash",
            ".zsh",
            ".profile",
            ".npmrc",
            ".pgpass",
            ".netrc",
            ".pypirc",
            ".ds_store",
            ".user.ini",
            ".dockerenv",
            ".my.cnf",
            ".docker",
            ".vscode",
            ".idea",
        ],
        r"(?:^|[/\\=])(?:\.htaccess|\.htpasswd|\.htdigest|\.env(?:\.[a-z]+)?|\.git[/\\](?:config|head|index|logs|refs|objects)|\.gitconfig|\.git-credentials|\.svn[/\\](?:entries|wc\.db)|\.hg[/\\]|\.bash_history|\.zsh_history|\.history|\.mysql_history|\.psql_history|\.sh_history|\.python_history|\.bashrc|\.bash_profile|\.bash_logout|\.zshrc|\.profile|\.npmrc|\.pgpass|\.netrc|\.pypirc|\.ds_store|\.user\.ini|\.dockerenv|\.dockercfg|\.docker[/\\]config\.json|\.my\.cnf|\.vscode[/\\]|\.idea[/\\])(?:$|[^a-z0-9_.-])",
    );
    let config_file = RxRule::new(
        "lfi.config_file",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &[
            "boot.ini",
            "win.ini",
            "system.ini",
            "web.config",
            "wp-config",
            "httpd.conf",
            "nginx.conf",
            "php.ini",
            "my.cnf",
            "id_rsa",
            "id_dsa",
            "id_ecdsa",
            "id_ed25519",
            "authorized_keys",
            "known_hosts",
            "credentials.",
            "applicationhost",
            "shadow.bak",
            "tomcat-users",
            "ntds.dit",
            "system32",
        ],
        r#"(?:^|[/\\=:'"])(?:boot\.ini|win\.ini|system\.ini|web\.config|wp-config\.php(?:\.[a-z~]+)?|httpd\.conf|nginx\.conf|php\.ini|my\.cnf|id_(?:rsa|dsa|ecdsa|ed25519)(?:\.pub)?|authorized_keys2?|known_hosts|credentials\.(?:xml|json)|applicationhost\.config|shadow\.bak|tomcat-users\.xml|ntds\.dit|system32[/\\]+config[/\\]+(?:sam|system|security))(?:$|[^a-z0-9_])"#,
    );
    let app_config = RxRule::new(
        "lfi.app_config_file",
        CAT,
        Critical,
        2,
        View::Folded,
        WHERE,
        &[
            "server.xml",
            "settings.py",
            "database.yml",
            "secrets.yml",
            "local.xml",
            "configuration.php",
            "config.inc.php",
            "localsettings.php",
            ".sqlite",
        ],
        r#"(?:^|[/\\=:'"])(?:server\.xml|settings\.py|database\.yml|secrets\.yml|local\.xml|configuration\.php|config\.inc\.php|localsettings\.php|[a-z0-9_-]+\.sqlite3?)(?:$|[^a-z0-9_])"#,
    );
    let windows = RxRule::new(
        "lfi.windows_path",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &[
            "windows",
            "winnt",
            "inetpub",
            "systemroot",
            "windir",
            "comspec",
            "userprofile",
            "appdata",
            "system32",
            "documents and settings",
        ],
        r#"(?:(?:^|[^a-z])[a-z]:[/\\]+(?:windows|winnt|inetpub|documents and settings|users[/\\]+[^/\\]+[/\\]+(?:appdata|desktop|documents|\.ssh))|(?:^|[/\\])(?:windows|winnt)[/\\]+(?:system32|syswow64|win\.ini|system\.ini|repair|debug|panther|temp|php\.ini|iis)|%(?:systemroot|windir|comspec|userprofile|appdata|systemdrive|programfiles|allusersprofile|temp)%)"#,
    );
    let backup_path = RxRule::new(
        "lfi.backup_file",
        CAT,
        Critical,
        1,
        View::Folded,
        scope::PATH_SEGMENT,
        &[
            ".sql",
            ".bak",
            ".old",
            ".orig",
            ".swp",
            ".swo",
            ".save",
            ".backup",
            ".dump",
            "~",
            ".pem",
            ".key",
            ".kdbx",
            ".mdb",
            ".pfx",
            ".p12",
            ".jks",
            ".keystore",
            ".tfstate",
            ".cfg",
            ".conf",
            ".ini",
        ],
        r"\.(?:sql(?:\.(?:gz|zip|bz2|xz|7z|rar|tar|tgz))?|bak|old|orig|swp|swo|save|backup|dump|pem|key|kdbx|mdb|pfx|p12|jks|keystore|tfstate(?:\.backup)?|cfg|conf|ini)$|[^~]~$",
    );
    let log_path = RxRule::new(
        "lfi.log_file",
        CAT,
        Critical,
        2,
        View::Folded,
        scope::PATH_SEGMENT,
        &[".log"],
        r"\.log(?:\.\d+)?$",
    );
    let vite_fs = RxRule::new(
        "lfi.dev_server_fs",
        CAT,
        Critical,
        1,
        View::Folded,
        scope::PATH,
        &["/@fs/", "/@id/", "__x00__"],
        r"^/@(?:fs|id)/|__x00__",
    );
    let backup_arg = RxRule::new(
        "lfi.backup_file_arg",
        CAT,
        Critical,
        2,
        View::Folded,
        scope::ARGS | scope::FILENAME,
        &[".sql", ".bak", ".swp", ".old"],
        r"(?:^|[/\\])[a-z0-9_.-]+\.(?:sql(?:\.(?:gz|zip|bz2|xz|7z|rar|tar|tgz))?|bak|swp|old)$",
    );
    let mut out = vec![
        traversal.clone(),
        unix_file.clone(),
        dotfile.clone(),
        config_file.clone(),
        windows.clone(),
        backup_path,
        log_path,
        vite_fs,
        backup_arg,
        app_config,
    ];
    // Other headers: one level up, as CRS does (Referer and User-Agent carry URLs and
    // free text that reach logs and file names less often).
    out.push(traversal.also("lfi.traversal_header", scope::HEADER, 1));
    out.push(unix_file.also("lfi.unix_file_header", scope::HEADER, 2));
    out.push(dotfile.also("lfi.dotfile_header", scope::HEADER, 2));
    out.push(config_file.also("lfi.config_file_header", scope::HEADER, 2));
    out.push(windows.also("lfi.windows_path_header", scope::HEADER, 2));
    out
}

/// Code checks: hidden files requested by path, NUL bytes.
pub fn check(v: &Value<'_>, sc: u32, out: &mut Vec<RuleHit>) {
    if sc & scope::PATH_SEGMENT != 0 {
        let seg = v.folded;
        // A hidden file or directory (`/.env`, `/.git/`, `/.claude/settings.json`) is never an
        // API resource; `.well-known` is the standard exception.
        if seg.len() > 1
            && seg.starts_with('.')
            && !seg.starts_with("..")
            && seg != ".well-known"
            && seg[1..].starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_')
        {
            out.push(RuleHit {
                rule: "lfi.hidden_path",
                category: CAT,
                severity: Critical,
                paranoia: 1,
                span: 0..v.decoded.len(),
            });
        }
    }
    if sc & (WHERE | scope::HEADER) != 0 && has_nul(v.raw) {
        out.push(RuleHit {
            rule: "lfi.null_byte",
            category: CAT,
            severity: High,
            paranoia: 1,
            span: 0..0,
        });
    }
}

/// Whether the wire form holds a NUL byte, raw or escaped.
fn has_nul(raw: &str) -> bool {
    let b = raw.as_bytes();
    // Every form starts with NUL, `%` or `\`: most values have none of them.
    if memchr::memchr3(0, b'%', b'\\', b).is_none() {
        return false;
    }
    if raw.contains('\0') {
        return true;
    }
    memchr::memmem::find(b, b"%00").is_some()
        || memchr::memmem::find(b, b"%u0000").is_some()
        || memchr::memmem::find(b, b"\\u0000").is_some()
        || memchr::memmem::find(b, b"\\x00").is_some()
        || memchr::memmem::find(b, b"%2500").is_some()
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::{fires, hits_with};
    use crate::placement::scope;

    #[test]
    fn traversal_in_every_encoding_is_caught() {
        for v in [
            "../../../etc/passwd",
            "..%2F..%2Fetc%2Fpasswd",
            "%252e%252e%252fboot.ini",
            "..\\..\\windows\\win.ini",
            ".../.../WINDOWS/win.ini",
            "0x2e.%000x2f0x2e.%00/x",
            "..;/admin",
            "%c0%ae%c0%ae/%c0%ae%c0%ae/x",
            "．．／．．／x",
        ] {
            assert!(fires(v, "lfi.", 1), "{v}");
        }
    }

    #[test]
    fn sensitive_files_are_caught() {
        for v in [
            "/etc/shadow",
            "file=/proc/self/environ",
            "C:\\Windows\\System32\\drivers\\etc\\hosts",
            "path_comp=.ssh/id_rsa",
            "../.htaccess",
            "/var/www/.git/config",
            "%SYSTEMROOT%\\win.ini",
            "cat /etc/subuid",
        ] {
            assert!(fires(v, "lfi.", 1), "{v}");
        }
    }

    #[test]
    fn benign_look_alikes_are_not_caught() {
        for v in [
            "/usr/share is a path",
            "foo../1234",
            "..foo",
            "Loading...",
            "firstname.dockery@host.tld",
            "/test.environment",
            "see https://example.com/docs/a.html",
            "history.history",
            "1.2.3",
            "the sam account",
        ] {
            assert!(!fires(v, "lfi.", 2), "{v}");
        }
    }

    #[test]
    fn hidden_and_backup_files_by_path() {
        let ids = |v: &str| -> Vec<&str> {
            hits_with(v, scope::PATH_SEGMENT, None)
                .into_iter()
                .filter(|h| h.1 <= 1)
                .map(|h| h.0)
                .collect()
        };
        assert!(ids(".env").contains(&"lfi.hidden_path"));
        assert!(ids(".claude").contains(&"lfi.hidden_path"));
        assert!(ids("backup.sql.zip").contains(&"lfi.backup_file"));
        assert!(ids(".well-known").is_empty());
        assert!(ids("jquery.history.min.js").is_empty());
        assert!(ids("kui_light.css").is_empty());
    }

    #[test]
    fn nul_bytes_are_high_not_critical() {
        let h = hits_with("file.php%00.jpg", scope::QUERY, None);
        assert!(h.iter().any(|h| h.0 == "lfi.null_byte"));
    }
}
