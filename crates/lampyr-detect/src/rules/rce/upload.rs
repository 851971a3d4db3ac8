//! Uploads of configuration and credential files, recognised by the file's name.

/// Header names that carry an uploaded file's name.
pub(super) const FILENAME_HEADERS: &[&str] = &[
    "x-filename",
    "x_filename",
    "x-file-name",
    "x-upload-filename",
];

/// Whether an uploaded file name is one a web server or a user account reads as
/// configuration or credentials (`.htaccess`, `web.config`, `wp-config.php.bak`,
/// `authorized_keys`): writing one is a step to code execution or account takeover. The level
/// is 2 for generic application configuration names (`config.yml`).
pub fn restricted_upload(name: &str) -> Option<u8> {
    let lower: String = name
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect();
    let base = lower.rsplit(['/', '\\']).next().unwrap_or(&lower);
    const EXACT: &[&str] = &[
        ".htaccess",
        ".htpasswd",
        ".htdigest",
        ".user.ini",
        "php.ini",
        "web.config",
        "applicationhost.config",
        ".bashrc",
        ".bash_profile",
        ".bash_login",
        ".bash_logout",
        ".bash_history",
        ".profile",
        ".zshrc",
        ".zprofile",
        ".cshrc",
        ".login",
        ".netrc",
        ".npmrc",
        ".pypirc",
        ".pgpass",
        ".my.cnf",
        ".gitconfig",
        ".git-credentials",
        ".boto",
        ".s3cfg",
        ".dockercfg",
        ".env",
        "authorized_keys",
        "authorized_keys2",
        "known_hosts",
        "id_rsa",
        "id_dsa",
        "id_ecdsa",
        "id_ed25519",
        "crontab",
        "sudoers",
        "passwd",
        "shadow",
        "localsettings.php",
        "configuration.php",
        "config.inc.php",
        "settings.php",
        "settings.local.php",
        "local.xml",
        "env.php",
        "parameters.yml",
    ];
    if EXACT.contains(&base) {
        return Some(1);
    }
    // `wp-config.php` and its backups and renamings (`wp-config-php.bak`, `wp-config_php.txt`).
    if let Some(rest) = base.strip_prefix("wp-config") {
        if rest.is_empty()
            || rest.starts_with('.')
            || rest.get(1..).is_some_and(|r| r.starts_with("php"))
        {
            return Some(1);
        }
    }
    const GENERIC: &[&str] = &[
        "config.yml",
        "config.yaml",
        "config.php",
        "database.yml",
        "secrets.yml",
        "secrets.yaml",
        "credentials",
        "credentials.json",
        "docker-compose.yml",
        ".dockerignore",
        ".gitignore",
    ];
    GENERIC.contains(&base).then_some(2)
}
