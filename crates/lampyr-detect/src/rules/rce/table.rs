//! The table rules: regexes over the `cmdline` view built from the command word lists.

use super::super::builtin::{RxRule, View};
use super::words::{BARE, START_EXCLUDED, STRONG, WEAK};
use super::{unambiguous, CAT, WHERE};
use crate::placement::scope;
use crate::Severity::Critical;

pub(super) fn alt(words: &[&str]) -> String {
    let mut w: Vec<&str> = words.to_vec();
    // Longest first so `python3` wins over `python` in the alternation.
    w.sort_by(|a, b| b.len().cmp(&a.len()).then(a.cmp(b)));
    w.dedup();
    w.iter()
        .map(|s| regex::escape(s))
        .collect::<Vec<_>>()
        .join("|")
}

/// Optional path before a command: `/bin/`, `/usr/local/sbin/`, `c:\windows\system32\`.
pub(super) const BIN: &str =
    r"(?:(?:/usr)?(?:/local)?/s?bin/|[a-z]:[/\\](?:windows[/\\]system32[/\\])?)?";

/// Commands that run the command after them (`time curl ...`, `nice -n 5 sh ...`).
pub(super) const PREFIX: &str = r"(?:(?:sudo|time|nice(?:\s+-n\s*-?\d+)?|nohup|timeout\s+\d+[smh]?|env(?:\s+[a-z_]+=\S*)*|strace|ltrace|stdbuf(?:\s+-\S+)*|ionice|chroot\s+\S+|exec|command|builtin|busybox)\s+)*";

/// A version glued to a command name (`python3.10`, `gcc10.1`).
pub(super) const VER: &str = r"(?:\d+(?:\.\d+)*)?";

/// Separator that starts a command.
const SEP: &str = r"(?:^|[;|&\n`(]|\$\()\s*";

/// Shell-looking argument: an option, a path, a variable, a redirect, a URL, a file name with
/// a script, data or archive extension, a host name.
const SHELL_ARG: &str = r#"\s+(?:-{1,2}[a-z0-9]|[/~$.\\<>|]|[a-z]:\\|https?:|\{|\d+\s*[|;&]|[a-z0-9_-]+\.(?:[a-z0-9_-]+\.)*(?:txt|sh|bash|py|pl|rb|php|log|conf|cfg|ini|sql|db|bak|tar|gz|tgz|zip|so|exe|bat|ps1|js|json|xml|ya?ml|key|pem|csv|com|org|net|io)(?:$|[\s;|&<>`)]))"#;

fn literals(words: &[&'static str]) -> Vec<std::borrow::Cow<'static, str>> {
    words
        .iter()
        .map(|w| std::borrow::Cow::Borrowed(*w))
        .collect()
}

/// The table rules.
pub fn rules() -> Vec<RxRule> {
    let strong = alt(STRONG);
    let weak = alt(WEAK);
    let bare = alt(BARE);
    let unamb = alt(&unambiguous());
    let mut cmd_after_sep = RxRule::new(
        "rce.unix_command",
        CAT,
        Critical,
        1,
        View::Cmdline,
        WHERE,
        &[],
        format!(
            r"(?:{SEP}{PREFIX}{BIN}(?:{strong}){VER}(?:\.exe)?(?:$|[\s;|&<>`)]|\$\()|{SEP}{PREFIX}{BIN}(?:{weak}){VER}(?:\.exe)?(?:{SHELL_ARG}|\s*[<>`]|\s*[;|&]+\s*(?:{strong}|{weak})(?:$|[\s;|&<>`])|\s+(?:{unamb})(?:$|\s))|[;|&\n`]\s*(?:{bare})\s*(?:$|[;|&`)]))"
        ),
    );
    // `^cmd` alone is the value's start; a separator must have been seen for every other
    // alternative, so literals are the separators plus a start-of-value command word.
    cmd_after_sep.literals = literals(&[";", "|", "&", "\n", "`", "$(", "("]);
    let weak_start: Vec<&str> = WEAK
        .iter()
        .copied()
        .filter(|w| !START_EXCLUDED.contains(w))
        .collect();
    let weak_start = alt(&weak_start);
    let cmd_at_start = {
        let mut r = RxRule::new(
            "rce.unix_command_start",
            CAT,
            Critical,
            1,
            View::Cmdline,
            WHERE,
            &[],
            format!(
                r"^\s*{PREFIX}{BIN}(?:(?:{strong}){VER}(?:\.exe)?{SHELL_ARG}|(?:{weak_start}){VER}(?:\.exe)?{SHELL_ARG})"
            ),
        );
        let mut l: Vec<&'static str> = STRONG.to_vec();
        l.extend_from_slice(WEAK);
        l.extend_from_slice(&[
            "sudo", "time", "nice", "nohup", "timeout", "env", "strace", "ltrace", "stdbuf",
            "ionice", "chroot", "exec", "command", "builtin", "busybox",
        ]);
        r.literals = literals(&l);
        r.start_words = true;
        r
    };
    let bin_path = RxRule::new(
        "rce.bin_path",
        CAT,
        Critical,
        1,
        View::Cmdline,
        WHERE,
        &["/bin/", "/sbin/"],
        r#"(?:^|[\s;|&`(=])(?:/usr)?(?:/local)?/s?bin/(?:[a-z0-9_.+-]+)(?:$|[\s;|&<>`)])"#,
    );
    // `bin/cscli`, `sbin/visudo`: a relative binary directory before a command name.
    let bin_relative = RxRule::new(
        "rce.bin_relative",
        CAT,
        Critical,
        2,
        View::Cmdline,
        WHERE,
        &["bin/"],
        format!(
            r"(?:^|[\s;|&`(=])s?bin/(?:{strong}|{weak}|[a-z0-9]+-[a-z0-9-]+){VER}(?:$|[\s;|&<>`)])"
        ),
    );
    let substitution = RxRule::new(
        "rce.shell_substitution",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["$(", "${", "<(", ">(", "`"],
        format!(
            r"\$\(\s*[a-z/(]|\$\{{\s*(?:{strong}|{weak})\b[^{{}}]{{0,64}}\}}|(?:^|[\s;|&])[<>]\(\s*[a-z/]|`\s*(?:{strong}|{weak})(?:\s[^`]*)?`"
        ),
    );
    // `${HOME}`, `${PATH}`: an environment variable's upper-case name in braces. Paranoia 2; a
    // lower-case `${name}` is a template placeholder as often (paranoia 3).
    let variable = RxRule::new(
        "rce.shell_variable",
        CAT,
        Critical,
        2,
        View::Decoded,
        WHERE,
        &["${"],
        r"\$\{[A-Z_][A-Z0-9_]{0,63}\}",
    );
    let variable_any = RxRule::new(
        "rce.shell_variable_any",
        CAT,
        Critical,
        3,
        View::Folded,
        WHERE,
        &["${"],
        r"\$\{[^{}\s]{1,64}\}",
    );
    let shellshock = RxRule::new(
        "rce.shellshock",
        CAT,
        Critical,
        1,
        View::Folded,
        scope::ALL,
        &["("],
        r"^\s*\(\s*\)\s*\{",
    );
    let windows = RxRule::new(
        "rce.windows_command",
        CAT,
        Critical,
        1,
        View::Cmdline,
        WHERE,
        &[
            "cmd",
            "powershell",
            "pwsh",
            "certutil",
            "bitsadmin",
            "wmic",
            "reg",
            "net",
            "schtasks",
            "tasklist",
            "taskkill",
            "systeminfo",
            "ipconfig",
            "netsh",
            "mshta",
            "rundll32",
            "regsvr32",
            "cscript",
            "wscript",
            "bcdboot",
            "bcdedit",
            "vssadmin",
            "type",
            "dir",
            "copy",
            "del",
            "at ",
            "start",
        ],
        r"(?:^|[;&|\n])\s*(?:cmd(?:\.exe)?\s*/[ckr]|(?:powershell|pwsh)(?:\.exe)?(?:\s|$)|certutil(?:\.exe)?\s+-|bitsadmin(?:\.exe)?\s+/|wmic(?:\.exe)?\s|reg(?:\.exe)?\s+(?:add|query|delete|save|export|import)\s|regedit(?:\.exe)?\s+/|net1?(?:\.exe)?\s+(?:user|localgroup|group|view|use|share|start|stop|accounts|session)\b|schtasks(?:\.exe)?\s+/|tasklist(?:\.exe)?\b|taskkill(?:\.exe)?\s+/|systeminfo(?:\.exe)?\b|ipconfig(?:\.exe)?\b|netsh(?:\.exe)?\s|mshta(?:\.exe)?\s|rundll32(?:\.exe)?\s|regsvr32(?:\.exe)?\s|[cw]script(?:\.exe)?\s|bcdboot(?:\.exe)?[\s/]|bcdedit(?:\.exe)?[\s/]|vssadmin(?:\.exe)?\s|(?:type|dir|copy|del)\s+(?:[a-z]:\\|/[a-z]\b|\\\\)|at\s+\d{1,2}:\d\d|start\s+(?:/b\s+)?[a-z]+\.exe)",
    );
    let powershell = RxRule::new(
        "rce.powershell",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE | scope::HEADER,
        &[
            "invoke-",
            "new-object",
            "downloadstring",
            "downloadfile",
            "start-process",
            "set-executionpolicy",
            "-encodedcommand",
            "-enc ",
            "iex",
            "iwr",
            "irm",
            "iwmi",
            "get-wmiobject",
            "frombase64string",
            "add-mppreference",
            "-noprofile",
            "-windowstyle",
            "-executionpolicy",
        ],
        r"invoke-(?:webrequest|expression|restmethod|command|item|wmimethod|shellcode|mimikatz)\b|new-object\s+(?:-typename\s+)?(?:system\.)?net\.(?:webclient|sockets)|\.download(?:string|file|data)\s*\(|start-process\b|set-executionpolicy\b|-encodedcommand\b|\s-enc\s+[a-z0-9+/=]{16,}|(?:^|[;|&\s(])iex\s*[($]|(?:^|[;|&])\s*(?:iwr|irm)\s+\S|(?:^|[;|&])\s*iwmi\s+-|get-wmiobject\s+|\[(?:system\.)?convert\]::frombase64string|add-mppreference\b|\s-(?:noprofile|windowstyle\s+hidden|executionpolicy\s+bypass)\b",
    );
    let windows_for = RxRule::new(
        "rce.windows_for_if",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["for", "if"],
        r#"\bfor\s+(?:/[a-z](?:\s+"[^"]*"|\s+[^\s%]+)?\s+)*%{1,2}\S{1,24}\s+in\s*\(|\bif\s*(?:/i\s+|\s)(?:not\s+)?(?:exist\s|defined\s|errorlevel\s+\d|cmdextversion\s|(?:"[^"]{0,40}"|\S{1,40})\s*(?:==|\s(?:equ|neq|lss|leq|gtr|geq)\s))"#,
    );
    let glob = RxRule::new(
        "rce.path_glob",
        CAT,
        Critical,
        1,
        View::Cmdline,
        WHERE,
        &[
            "/bin", "/usr", "/etc", "/tmp", "/dev", "/proc", "/var", "/sbin", "/home", "/root",
            "/opt", "/lib", "$[",
        ],
        r"(?:^|[\s;|&`=])/(?:bin|usr|etc|tmp|dev|proc|var|sbin|home|root|opt|lib)/[a-z0-9_./-]*\[!?\^?[a-z0-9-]{1,12}\][a-z0-9_./-]*|\$\[\s*(?:\]|[^\]]{0,40}[-+*/%<>=]\s*\d[^\]]{0,40}\])",
    );
    let param_expansion = RxRule::new(
        "rce.parameter_expansion",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["${", "$shell", "$bash", "$0"],
        r"\$\{[a-z_][a-z0-9_]*(?:[#%^,]|:[-=?+]|/|:\d)|\$\{#?[a-z_][a-z0-9_]*\[[@*]\]\}|\$\{![a-z_]|(?:^|[\s;|&`])\$(?:\{(?:shell|bash|0)\}|shell|bash|0)\s+-c\b",
    );
    let empty_subst = RxRule::new(
        "rce.empty_substitution",
        CAT,
        Critical,
        2,
        View::Folded,
        WHERE,
        &["$()", "``", "<()", ">()", "${}"],
        r"[a-z0-9](?:\$\(\s*\)|``|[<>]\(\s*\)|\$\{\s*\})|(?:\$\(\s*\)|``|[<>]\(\s*\)|\$\{\s*\})[a-z0-9]",
    );
    let brace = RxRule::new(
        "rce.brace_expansion",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["{"],
        r#"[a-z]\{[a-z0-9_./-]*,[a-z0-9_./ -]*\}|\{[a-z0-9_./-]*,[a-z0-9_./ -]*\}[a-z]|\{,[a-z/$'"\\]|\{[a-z]+,-[a-z]"#,
    );
    let brace_pl2 = RxRule::new(
        "rce.brace_expansion_any",
        CAT,
        Critical,
        2,
        View::Folded,
        WHERE,
        &["{"],
        r"\{[a-z0-9_./-]*[a-z_./][a-z0-9_./-]*(?:,[a-z0-9_./# -]*)+\}|\{[0-9]+(?:,[a-z0-9_./# -]*)*,[a-z0-9_./# -]*[a-z_./][a-z0-9_./# -]*\}",
    );
    let evasion = RxRule::new(
        "rce.ifs_evasion",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["$ifs", "${ifs", "$@", "$*"],
        r"\$\{?ifs\b|[a-z]\$[@*][a-z]",
    );
    let wildcard = RxRule::new(
        "rce.path_wildcard",
        CAT,
        Critical,
        2,
        View::Cmdline,
        WHERE,
        &["?", "*", "${"],
        r"(?:^|[\s;|&`=])/(?:bin|usr|etc|tmp|dev|proc|var|sbin|home|root|opt|lib)/[a-z0-9?*/]*[?*]|/[a-z?]*\?[a-z?]*/[a-z?*]*[?*]|(?:^|[\s/])(?:etc|bin)/\$\{?[a-z0-9_]*\}?[a-z]+",
    );
    let alias = RxRule::new(
        "rce.alias",
        CAT,
        Critical,
        1,
        View::Cmdline,
        WHERE,
        &["alias"],
        r"(?:^|[\s;|&`])alias\s+(?:[-+][a-z+]+\s+)*[a-z0-9_.-]+=",
    );
    let history = RxRule::new(
        "rce.history_expansion",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["!-"],
        r"(?:^|[\s;|&!])!-\d+(?:$|[\s!;|&])",
    );
    let tilde = RxRule::new(
        "rce.tilde_expansion",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["~+", "~-"],
        r"(?:^|[\s;|&])~[+-]\d{0,3}(?:$|[\s/;|&])",
    );
    let fork_bomb = RxRule::new(
        "rce.fork_bomb",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE | scope::USER_AGENT | scope::REFERER,
        &["()"],
        r"\(\)\s*\{[^}]{0,24}\|[^}]{0,24}&\s*\}",
    );
    let sqlite = RxRule::new(
        "rce.sqlite_shell",
        CAT,
        Critical,
        2,
        View::Decoded,
        WHERE,
        &[".shell", ".system", ". shell", ". system"],
        r#"(?im)(?:^|[;\n])[\s;"']*\.\s*(?:shell|system)\s+\S"#,
    );
    let mail = RxRule::new(
        "rce.mail_protocol_command",
        CAT,
        Critical,
        2,
        View::Decoded,
        WHERE,
        &["\n", "\r"],
        r"(?i)[\r\n]\s*(?:mail\s+from\s*:|rcpt\s+to\s*:|helo\s+\S|ehlo\s+\S|vrfy\s+\S|expn\s+\S|data\s*(?:[\r\n]|$)|quit\s*(?:[\r\n]|$)|rset\s*(?:[\r\n]|$)|starttls\b|auth\s+(?:login|plain|cram-md5)|retr\s+\d|dele\s+\d|(?:user|pass|apop)\s+\S+\s*(?:[\r\n]|$)|[a-z]{1,4}\d{1,4}\s+(?:authenticate|append|select|examine|login|fetch|store|copy|delete|capability|logout|list|lsub|status|uid|search|create|rename|subscribe)\b)",
    );
    let header_cmd = RxRule::new(
        "rce.unix_command_header",
        CAT,
        Critical,
        2,
        View::Cmdline,
        scope::USER_AGENT | scope::REFERER,
        &[";", "|", "&", "`", "$("],
        format!(r"(?:[;|&`]|\$\()\s*{PREFIX}{BIN}(?:{strong})(?:$|[\s;|&<>`)])"),
    );
    let start_header = cmd_at_start.also(
        "rce.unix_command_start_header",
        scope::USER_AGENT | scope::REFERER,
        2,
    );
    // A command that is nothing but a command, first in the value, with any argument
    // (`ansible-config dump`): paranoia 2, as a search for a tool name looks alike.
    let start_plain = {
        let mut r = RxRule::new(
            "rce.unix_command_start_plain",
            CAT,
            Critical,
            2,
            View::Cmdline,
            WHERE,
            &[],
            format!(r"^\s*{PREFIX}{BIN}(?:{unamb})(?:\.exe)?\s+\S"),
        );
        let mut l = unambiguous();
        l.extend_from_slice(&[
            "sudo", "time", "nohup", "strace", "ltrace", "stdbuf", "ionice",
        ]);
        r.literals = literals(&l);
        r.start_words = true;
        r
    };
    // A command runner (`nohup`, `strace`, `time`...) before a command word: prose has no
    // `nohup`, and `time` before a command that is nothing but a command is no English.
    let runner = RxRule::new(
        "rce.command_runner",
        CAT,
        Critical,
        1,
        View::Cmdline,
        WHERE,
        &[
            "sudo", "nohup", "strace", "ltrace", "stdbuf", "ionice", "time", "timeout", "exec",
        ],
        format!(
            r"{SEP}(?:(?:sudo|nohup|strace|ltrace|stdbuf|ionice)\s+(?:-\S+\s+)*{BIN}(?:{strong}|{weak})|(?:time|timeout\s+\d+[smh]?|exec)\s+{BIN}(?:{unamb})){VER}(?:$|[\s;|&<>`)])"
        ),
    );
    // A package manager asked to install or run something: a supply-chain foothold.
    let package = {
        let mut r = RxRule::new(
            "rce.package_install",
            CAT,
            Critical,
            2,
            View::Cmdline,
            WHERE,
            &[],
            r"(?:^|[;|&`\n]|\$\()\s*(?:sudo\s+)?(?:pip[23x]?|python[23]?\s+-m\s+pip|npm|npx|yarn|pnpm|gem|apt(?:-get)?|yum|dnf|apk|brew|cargo|composer|conda|easy_install|go|opkg|zypper)\s+(?:install|i|add|uninstall|remove|run|exec|get)\s+\S",
        );
        r.literals = literals(&[
            "install",
            "uninstall",
            "remove",
            " i ",
            " add ",
            " run ",
            " exec ",
            " get ",
        ]);
        r
    };
    // An interpreter with its version glued on (`python3.10 x`, `;gcc10.1<<<...`).
    let versioned = RxRule::new(
        "rce.versioned_interpreter",
        CAT,
        Critical,
        2,
        View::Cmdline,
        WHERE,
        &[
            "python", "perl", "ruby", "php", "node", "gcc", "clang", "lua", "java",
        ],
        r"(?:^|[;|&`\n]|\$\()\s*(?:python|perl|ruby|php|node|gcc|g\+\+|clang|lua|java)\d+(?:\.\d+)+(?:\s+(?:-|/|\S+\.(?:py|pl|rb|php|js|c|sh)\b)|\s*(?:<<|[;|&<>`]))",
    );
    // A short command glued to a separator with no blank (`;top x`, `|who`): people write `; `
    // in prose, injected commands are written tight. Paranoia 2: the words are English.
    let tight = RxRule::new(
        "rce.unix_command_tight",
        CAT,
        Critical,
        2,
        View::Decoded,
        WHERE,
        &[";", "|", "&", "`"],
        r"(?i)[;|`](?:who|w|uptime|id|env|ps|ls)(?:\s+[a-z0-9./-]|\s*$)",
    );
    // `\ls`: a backslash before a command word skips the user's aliases.
    let backslash = RxRule::new(
        "rce.backslash_command",
        CAT,
        Critical,
        1,
        View::Decoded,
        WHERE,
        &["\\"],
        format!(r"(?i)(?:^|[;|&`\s])\\(?:{bare}|{strong}){VER}(?:\s|$)"),
    );
    // `!cmd`: a shell escape in `vi`/`ex`/`less`/`ftp`, or a history event named after a
    // command.
    let bang = RxRule::new(
        "rce.bang_command",
        CAT,
        Critical,
        1,
        View::Cmdline,
        WHERE,
        &["!"],
        format!(r"(?:^|[\s+:;|&])!\s?(?:{strong}|{bare})(?:$|[\s;|&])"),
    );
    // A shell function whose body backgrounds or pipes into something, then a call: the fork
    // bomb shape with any names (`f(){ f|f& };f`).
    let function_def = RxRule::new(
        "rce.shell_function",
        CAT,
        Critical,
        2,
        View::Folded,
        WHERE | scope::USER_AGENT | scope::REFERER,
        &["()"],
        r"(?:^|[\s;|&])[a-z_:.][a-z0-9_:.]*\s*\(\)\s*\{[^{}]{0,60}[|&][^{}]{0,60};?\s*\}\s*;\s*[a-z_:.]",
    );
    // SQLite shell dot-commands after a statement end (`;\n.shell id`, `1;.sh whoami`): only
    // an attacker sends them to a web server.
    let sqlite_dot = RxRule::new(
        "rce.sqlite_dot_command",
        CAT,
        Critical,
        2,
        View::Decoded,
        WHERE,
        &[
            "shell",
            "system",
            ".sh",
            ". sh",
            "databases",
            "tables",
            "dump",
            "once",
            "output",
            "load",
        ],
        r#"(?i)(?:^|;|\n|\\n)[\s;"'\\]*\.[\s"'\\]*(?:(?:shell|system|sh|once|output|load)\s+\S|(?:databases|tables|dump|dbinfo|schema)\s*(?:$|;|\n|\\n))"#,
    );
    // The same word alone (`whoami`): a probe, or a report format named `lastlog`.
    let mut start_alone = start_plain.also("rce.unix_command_alone", WHERE, 3);
    start_alone.pattern = format!(r"^\s*{PREFIX}{BIN}(?:{unamb})(?:\.exe)?\s*$").into();
    let mut out = vec![
        bin_relative,
        start_alone,
        start_plain,
        runner,
        package,
        versioned,
        tight,
        backslash,
        bang,
        function_def,
        sqlite_dot,
        start_header,
        cmd_after_sep,
        cmd_at_start,
        bin_path,
        substitution,
        variable,
        variable_any,
        shellshock,
        windows,
        powershell,
        windows_for,
        glob,
        param_expansion,
        empty_subst,
        brace,
        brace_pl2,
        evasion,
        wildcard,
        alias,
        history,
        tilde,
        fork_bomb,
        sqlite,
        mail,
        header_cmd,
    ];
    out.push(RxRule::new(
        "rce.shell_substitution_header",
        CAT,
        Critical,
        2,
        View::Folded,
        scope::HEADER,
        &["$(", "`"],
        r"\$\(\s*[a-z/(]|`\s*[a-z/]+[^`]*`",
    ));
    out
}
