//! PHP injection (CRS 933xxx territory): `<?php` open tags, stream wrappers (`php://`,
//! `phar://`...), `php.ini` directives, superglobals, calls of dangerous functions (with their
//! `(`, so the bare word in prose is not enough), variable function calls (`$f(...)`,
//! `("sys"."tem")(...)`), serialised objects (`O:8:"stdClass":...`), PHP file uploads.

use super::builtin::{RxRule, View};
use crate::category::{COMMAND_INJECTION as CAT, DESERIALIZATION};
use crate::placement::scope;
use crate::Severity::{Critical, High};

const WHERE: u32 = scope::PAYLOAD | scope::PATH_SEGMENT;

/// Functions that run code or commands, read or write files, or decode hidden payloads: a call
/// of one in a parameter is an attack.
pub const HIGH_RISK_FUNCTIONS: &[&str] = &[
    "eval",
    "assert",
    "system",
    "exec",
    "shell_exec",
    "passthru",
    "popen",
    "proc_open",
    "pcntl_exec",
    "pcntl_fork",
    "base64_decode",
    "gzinflate",
    "gzuncompress",
    "gzdecode",
    "str_rot13",
    "create_function",
    "call_user_func",
    "call_user_func_array",
    "preg_replace",
    "file_get_contents",
    "file_put_contents",
    "fopen",
    "fwrite",
    "fputs",
    "readfile",
    "phpinfo",
    "posix_getpwuid",
    "posix_kill",
    "posix_setuid",
    "posix_uname",
    "chr",
    "unserialize",
    "move_uploaded_file",
    "show_source",
    "highlight_file",
    "ini_set",
    "ini_get",
    "ini_restore",
    "putenv",
    "curl_exec",
    "curl_init",
    "fsockopen",
    "pfsockopen",
    "stream_socket_client",
    "stream_socket_server",
    "register_shutdown_function",
    "register_tick_function",
    "set_error_handler",
    "set_exception_handler",
    "hex2bin",
    "convert_uudecode",
    "escapeshellcmd",
    "escapeshellarg",
    "scandir",
    "opendir",
    "readdir",
    "unlink",
    "rmdir",
    "symlink",
    "chmod",
    "chown",
    "tempnam",
    "tmpfile",
    "get_defined_vars",
    "get_defined_functions",
    "get_current_user",
    "getmypid",
    "php_uname",
    "disk_free_space",
    "mb_ereg_replace",
    "apache_child_terminate",
    "apache_setenv",
    "mb_send_mail",
    "imap_open",
    "forward_static_call",
    "func_get_args",
    "reflectionfunction",
    "bzdecompress",
    "bzopen",
    "zlib_decode",
    "proc_nice",
    "proc_terminate",
    "proc_get_status",
    "dl",
    "filegroup",
    "fileowner",
    "fileperms",
];

/// Functions whose names are also common words or harmless on their own: paranoia 2.
pub const MEDIUM_RISK_FUNCTIONS: &[&str] = &[
    "getenv",
    "array_map",
    "array_filter",
    "array_walk",
    "usort",
    "uasort",
    "uksort",
    "strrev",
    "glob",
    "getcwd",
    "phpversion",
    "parse_str",
    "extract",
    "ob_start",
    "mail",
    "error_log",
    "file",
    "include",
    "include_once",
    "require",
    "require_once",
    "var_dump",
    "print_r",
    "var_export",
    "serialize",
    "md5",
    "sha1",
    "crc32",
    "ord",
    "urldecode",
    "rawurldecode",
    "str_replace",
    "implode",
    "explode",
    "fread",
    "fgets",
    "fclose",
    "copy",
    "rename",
    "mkdir",
    "is_writable",
    "is_readable",
    "file_exists",
    "realpath",
    "basename",
    "dirname",
    "pathinfo",
    "iterator_apply",
    "unpack",
    "pack",
    "strip_tags",
    "printf",
    "sprintf",
    "vsprintf",
    "intval",
    "strval",
    "settype",
    "gettype",
    "crypt",
    "range",
    "checkdate",
];

/// `php.ini` directive stems (an assignment of one is a configuration injection).
const DIRECTIVES: &str = r"engine|extension(?:_dir)?|precision|serialize_precision|smtp(?:_port)?|unserialize_max_depth|default_charset|allow_url_(?:fopen|include)|auto_(?:prepend|append)_file|disable_(?:functions|classes)|open_basedir|safe_mode(?:_[a-z_]+)?|register_globals|display_(?:startup_)?errors|log_errors|error_log|error_reporting|include_path|file_uploads|enable_dl|short_open_tag|expose_php|memory_limit|max_execution_time|upload_max_filesize|post_max_size|upload_tmp_dir|sendmail_path|magic_quotes_[a-z]+|user_ini\.[a-z_]+|(?:opcache|session|suhosin|mbstring|zend|assert|pcre|phar|mysqli?|pdo_mysql|xdebug|apc|zlib|output|url_rewriter|date|default|cgi|fastcgi|sqlite3|curl|openssl|filter|highlight|iconv|intl|mail|soap|sys_temp_dir|unserialize_callback_func|realpath_cache_[a-z]+)\.[a-z_.]+";

/// The table rules.
pub fn rules() -> Vec<RxRule> {
    // A call: the name, `(`, then an argument that is code (a variable, a string, a number,
    // a nested call, nothing) or, glued to the name (`phpinfo(foo)`), one bare identifier.
    // Prose writes `word (note)` with a blank, so a bare identifier after a blank counts only
    // for the high-risk names (`fopen  (blah)`).
    let call = |id: &'static str, pl: u8, words: &'static [&'static str]| {
        let mut f: Vec<&str> = words.to_vec();
        f.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        let mut r = RxRule::new(
            id,
            CAT,
            Critical,
            pl,
            View::Folded,
            WHERE,
            &[],
            format!(
                r#"(?:^|[^a-z0-9_$>.:\\-])@?(?:{names})(?:\s*\(\s*(?:[$'"`\d)(]|$)|{ident})"#,
                names = f.join("|"),
                ident = if pl == 1 {
                    r"\s*\(\s*[a-z_][a-z0-9_]*\s*\)"
                } else {
                    r"\([a-z_][a-z0-9_]*\)"
                }
            ),
        );
        r.literals = words
            .iter()
            .map(|f| std::borrow::Cow::Borrowed(*f))
            .collect();
        r
    };
    let function_call = call("php.function_call", 1, HIGH_RISK_FUNCTIONS);
    let fns = {
        let mut f: Vec<&str> = HIGH_RISK_FUNCTIONS.to_vec();
        f.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
        f.join("|")
    };
    // `(system)(ls)`, `[system][0](ls)`, `"system"(ls)`: a function name called through an
    // expression, the classic filter bypass.
    let mut obfuscated = RxRule::new(
        "php.function_call_obfuscated",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &[],
        format!(
            r#"\(\s*['"]?(?:{fns})['"]?\s*\)\s*\(|\[\s*['"]?(?:{fns})['"]?\s*\]\s*\[\s*\d+\s*\]\s*\)?\s*(?:\{{[^}}]*\}}\s*)?\(|['"](?:{fns})['"]\s*\(|[a-z0-9_](?:{long})\s*\(\s*(?:[$'"`\d)(]|$)"#,
            long = HIGH_RISK_FUNCTIONS
                .iter()
                .filter(|f| f.len() >= 7 || f.contains('_'))
                .copied()
                .collect::<Vec<_>>()
                .join("|")
        ),
    );
    obfuscated.literals = HIGH_RISK_FUNCTIONS
        .iter()
        .map(|f| std::borrow::Cow::Borrowed(*f))
        .collect();
    // Calls of functions of PHP's extension families (`array_diff (`, `date_add()`).
    let family_call = RxRule::new(
        "php.function_call_family",
        CAT,
        Critical,
        2,
        View::Folded,
        WHERE,
        &["("],
        r#"(?:^|[^a-z0-9_])(?:(?:array|date|str|mb|preg|ftp|gz|bz|zlib|posix|pcntl|socket|stream|curl|mysqli?|pg|sqlite|ldap|imap|openssl|hash|ob|ini|func|proc|shell|sys|php|session|base64|ctype|iconv|image|exif|finfo|intl|sodium|tidy|xmlrpc|apache|apcu?|opcache|msg|sem|shm|spl|debug|highlight|show|parse|unserialize|call|create|get|set|is|file|odbc|zend|libxml|xml|json|oci|gmp|bc|dba|enchant|grapheme|idn|inotify|numfmt|password|pspell|readline|snmp|swoole|token|uopz|var|win|yaml|zip|random|mt|lcg|cal|gd|ssh2|fann|gnupg|eio|ev|uv|stats|svn|trader|xhprof)_[a-z0-9_]+|gethostbynamel?)\s*\(\s*(?:[$'"\d)]|$)"#,
    );
    let function_call_medium = call("php.function_call_medium", 2, MEDIUM_RISK_FUNCTIONS);
    // The name of a high-risk function that holds an underscore (`shell_exec`, `zlib_decode`)
    // even without its call: identifiers that only PHP code contains. Paranoia 2: a
    // programming question can name one.
    let names: Vec<&'static str> = HIGH_RISK_FUNCTIONS
        .iter()
        .copied()
        .filter(|f| f.contains('_') && f.len() >= 8)
        .collect();
    let mut function_name = RxRule::new(
        "php.function_name",
        CAT,
        Critical,
        2,
        View::Folded,
        WHERE,
        &[],
        format!(
            r"(?:^|[^a-z0-9_$>.:\\-])(?:{})(?:[^a-z0-9_]|$)",
            names.join("|")
        ),
    );
    function_name.literals = names
        .iter()
        .map(|f| std::borrow::Cow::Borrowed(*f))
        .collect();
    vec![
        RxRule::new(
            "php.open_tag",
            CAT,
            Critical,
            1,
            View::Folded,
            WHERE | scope::FILENAME,
            &["<?", "php"],
            r"<\?(?:php\b|=|\s|$)|<\?xml(?:\s+[^a-z\s?]|[:;(=$])|[\[{]\s*\\?/?\s*php\s*[\]}]|\[\?php\b",
        ),
        RxRule::new(
            "php.wrapper",
            CAT,
            Critical,
            1,
            View::Folded,
            WHERE | scope::HEADER,
            &[
                "php:",
                "phar:",
                "zlib:",
                "zip:",
                "glob:",
                "expect:",
                "ogg:",
                "rar:",
                "ssh2.",
                "compress.",
                "data:",
            ],
            r"(?:php|phar|zlib|zip|glob|expect|ogg|rar|ssh2\.[a-z]+|compress\.(?:zlib|bzip2)|data)://",
        ),
        RxRule::new(
            "php.ini_directive",
            CAT,
            Critical,
            1,
            View::Folded,
            WHERE,
            &["="],
            format!(r"(?:^|[\s;&])(?:{DIRECTIVES})\s*=\s*\S"),
        ),
        RxRule::new(
            "php.superglobal",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::ARGS | scope::NAMES | scope::COOKIE,
            &["$_", "$globals", "$http_"],
            r"\$_(?:get|post|cookie|server|request|files|env|session)\b|\$globals\b|\$http_(?:get|post|cookie|server|env|session|post_files)_vars\b|\$http_raw_post_data\b",
        ),
        RxRule::new(
            "php.variable_variable",
            CAT,
            Critical,
            1,
            View::Folded,
            WHERE,
            &["$"],
            r#"\$\s*\{\s*['"$]|\$\s+\{\s*[a-z_][a-z0-9_]*\s*\}"#,
        ),
        function_call,
        function_call_medium,
        function_name,
        RxRule::new(
            "php.open_tag_header",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::HEADER,
            &["<?"],
            r"<\?(?:php\b|=)",
        ),
        RxRule::new(
            "php.variable_function_call",
            CAT,
            Critical,
            1,
            View::Folded,
            WHERE,
            &["$", "("],
            r#"\$\s*(?:[a-z_][a-z0-9_]*|\{[^}]{0,40}\})(?:\s*\[[^()]{0,40}\]|\s*\{[^}]{0,40}\})*\s*\(\s*(?:[$'"\d)]|[a-z_]+\s*[,)])|\(\s*(?:['"][a-z0-9_]*['"]\s*\.?\s*)+\)\s*\(|\(\s*['"]?[a-z_]+['"]?\s*\)\s*\(\s*['"$]"#,
        ),
        RxRule::new(
            "php.serialized_object",
            DESERIALIZATION,
            Critical,
            1,
            View::Decoded,
            WHERE,
            &[":{", ":\""],
            r#"(?:^|[^a-zA-Z0-9])[OC]:\+?\d+:"[a-zA-Z0-9_\\]+":\d+:\{"#,
        ),
        RxRule::new(
            "php.serialized_array",
            DESERIALIZATION,
            High,
            2,
            View::Decoded,
            scope::ARGS,
            &[":{"],
            r#"^a:\d+:\{(?:[sibdN]:|\})"#,
        ),
        RxRule::new(
            "php.script_upload",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::FILENAME | scope::HEADER,
            &[
                "php", "pht", "phar", "shtml", "jsp", "asp", "cgi", ".pl", ". pl", ".inc", ". inc",
                "pgif",
            ],
            r"\.\s*(?:php\d*|phpt|phtml|phar|pht|phps|pgif|shtml|jspx?|aspx?|cgi|pl|inc)(?:\.|\s*$|%00|\x00)",
        ),
        obfuscated,
        family_call,
        RxRule::new(
            "php.session_file",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::FILENAME | scope::HEADER,
            &["sess_"],
            r"(?:^|[/\\\s])sess_[a-z0-9,-]{16,}\s*$",
        ),
        RxRule::new(
            "php.session_upload_progress",
            CAT,
            Critical,
            1,
            View::Folded,
            scope::NAMES,
            &["php_session_upload_progress"],
            r"php_session_upload_progress",
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::{fires, hits_with, ids_at};
    use crate::placement::scope;

    #[test]
    fn php_injection_is_caught() {
        for v in [
            "<?php system($_GET['c']); ?>",
            "<? exec('wget x') ?>",
            "php://filter/convert.base64-encode/resource=index.php",
            "phar://uploads/x.jpg",
            "allow_url_include=1",
            "opcache.jit_max_polymorphic_calls=50",
            "$_SERVER['test'];",
            "${'ff'}",
            "base64_decode()",
            "eval($foo)",
            "chr(123)",
            "$a(1)",
            "(\"sys\".\"tem\")(\"id\")",
            "O:8:\"stdClass\":0:{}",
            "@system ( 'id' )",
        ] {
            assert!(
                ids_at(v, 1).iter().any(|i| i.starts_with("php.")),
                "{v}: {:?}",
                ids_at(v, 4)
            );
        }
    }

    #[test]
    fn php_lookalikes_are_not_caught() {
        for v in [
            "<?xml version=\"1.0\"?>",
            "system requirements (see below)",
            "the file (attached)",
            "(foo)bar or foo(bar)",
            "[ACME]: this is, (another) test (foo)bar",
            "price $5 (incl. tax)",
            "email me at x@y.z",
            "session.cookie is a word",
            "we need to eval the options",
            "a:b:c",
        ] {
            assert!(!fires(v, "php.", 1), "{v}: {:?}", ids_at(v, 1));
        }
    }

    #[test]
    fn php_uploads_are_caught_by_file_name() {
        let h = hits_with("shell.php", scope::BODY | scope::FILENAME, None);
        assert!(h.iter().any(|h| h.0 == "php.script_upload"));
        let h = hits_with("photo.png", scope::BODY | scope::FILENAME, None);
        assert!(!h.iter().any(|h| h.0 == "php.script_upload"));
    }

    #[test]
    fn new_php_idioms_are_caught() {
        for (v, pl) in [
            ("somePhpWouldGoHere[\\php]", 1),
            ("<?xml:echo 1;", 1),
            ("$              {$a}", 1),
            ("$  {  CONSTANT  }", 1),
            ("bzdecompress()", 1),
            ("fopen  (blah)", 1),
            ("phpinfo(foo)", 1),
            ("shell_exec=(bla)", 2),
            ("odbc_connection_string_should_quote(", 2),
            ("zend_test_func(", 2),
            ("unpack()", 2),
            ("printf(foo)", 2),
        ] {
            assert!(fires(v, "php.", pl), "{v}: {:?}", ids_at(v, 4));
        }
        let h = hits_with("<?=phpinfo()?>", scope::HEADER, None);
        assert!(h.iter().any(|h| h.0 == "php.open_tag_header"));
        for name in ["photo. php", "dangerous. phtml", "x.php5"] {
            let h = hits_with(name, scope::BODY | scope::FILENAME, None);
            assert!(h.iter().any(|h| h.0 == "php.script_upload"), "{name}");
        }
    }

    #[test]
    fn php_lookalikes_are_not_caught_at_paranoia_2() {
        for v in [
            "the file (attached)",
            "system (see below)",
            "copy (original)",
            "mail (optional)",
            "include (optional)",
            "price (usd)",
            "Hello ${name}",
            "see docs for printf",
            "range: 1-5",
            "{\"php\": \"8.2\"}",
        ] {
            assert!(!fires(v, "php.", 2), "{v}: {:?}", ids_at(v, 2));
        }
    }
}
