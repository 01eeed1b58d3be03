//! The size of the rooms: no file under `src/` over 400 lines, no function over 80. A
//! function that is a table (one match arm or one row per case) may be longer: it is named
//! in `TABLES`, and a name there that no longer needs to be is an error too.

use std::path::{Path, PathBuf};

const FILE_LINES: usize = 400;
const FUNCTION_LINES: usize = 80;

/// Functions allowed over `FUNCTION_LINES`: (file under `src/`, function), and why.
const TABLES: &[(&str, &str, &str)] = &[
    ("error/hints.rs", "hint", "one arm per failure"),
    (
        "aws/errors/tests.rs",
        "sts_error_codes_are_explained",
        "one row per STS answer",
    ),
];

#[test]
fn no_file_over_400_lines_and_no_function_over_80() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    assert!(files.len() > 50, "found only {} files", files.len());
    let mut too_long = Vec::new();
    let mut large_functions = Vec::new();
    for path in &files {
        let name = path
            .strip_prefix(&root)
            .unwrap()
            .to_string_lossy()
            .replace('\\', "/");
        let text = std::fs::read_to_string(path).unwrap();
        let lines = text.lines().count();
        if lines > FILE_LINES {
            too_long.push(format!("{name}: {lines} lines"));
        }
        for (function, length) in functions(&text) {
            if length <= FUNCTION_LINES {
                continue;
            }
            if TABLES
                .iter()
                .any(|(file, f, _)| *file == name && *f == function)
            {
                large_functions.push((name.clone(), function));
            } else {
                too_long.push(format!("{name}: fn {function} is {length} lines"));
            }
        }
    }
    assert!(
        too_long.is_empty(),
        "over {FILE_LINES} lines a file or {FUNCTION_LINES} a function: {too_long:#?}"
    );
    for (file, function, _) in TABLES {
        assert!(
            large_functions
                .iter()
                .any(|(f, name)| f == file && name == function),
            "{file}: fn {function} is within {FUNCTION_LINES} lines now: take it off the list"
        );
    }
}

#[test]
fn functions_are_measured_from_fn_to_their_closing_brace() {
    let text = r##"
/// fn not_this() {
pub(crate) fn first<'a>(x: &'a str) -> [u8; 2] {
    let brace = '{';
    let s = "}}} fn fake() {";
    let raw = r#"}" }"#;
    /* } nested /* } */ */
    [0; 2]
}

trait T {
    fn declared(&self);
}

fn second() {}
"##;
    assert_eq!(
        functions(text),
        [
            ("first".to_owned(), 7),
            ("declared".to_owned(), 1),
            ("second".to_owned(), 1)
        ]
    );
}

fn rust_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

/// Each function's name and its lines, from the line of `fn` to the line of its closing
/// brace (1 for a declaration without a body). Comments, strings and characters are
/// skipped, so a brace in them does not count.
fn functions(text: &str) -> Vec<(String, usize)> {
    let code = code_only(text);
    let bytes = code.as_bytes();
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let line_of = |at: usize| code[..at].bytes().filter(|&b| b == b'\n').count();
    let mut found = Vec::new();
    let mut i = 0;
    while let Some(at) = code[i..].find("fn ").map(|at| at + i) {
        i = at + 3;
        if at > 0 && is_ident(bytes[at - 1]) {
            continue;
        }
        let name: String = code[i..]
            .trim_start()
            .chars()
            .take_while(|&c| c.is_ascii_alphanumeric() || c == '_')
            .collect();
        if name.is_empty() {
            continue;
        }
        // The body's opening brace, or the `;` of a declaration, outside () and [].
        let mut nesting = 0i32;
        let mut end = None;
        let mut j = i;
        while j < bytes.len() {
            match bytes[j] {
                b'(' | b'[' => nesting += 1,
                b')' | b']' => nesting -= 1,
                b';' if nesting == 0 => {
                    end = Some(j);
                    break;
                }
                b'{' if nesting == 0 => {
                    let mut depth = 0;
                    for (k, &b) in bytes.iter().enumerate().skip(j) {
                        depth += i32::from(b == b'{') - i32::from(b == b'}');
                        if depth == 0 {
                            end = Some(k);
                            break;
                        }
                    }
                    break;
                }
                _ => {}
            }
            j += 1;
        }
        let end = end.unwrap_or(bytes.len() - 1);
        found.push((name, line_of(end) - line_of(at) + 1));
    }
    found
}

/// `text` with comments, strings and character literals blanked out (newlines kept).
fn code_only(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let blank = |c: char| if c == '\n' { '\n' } else { ' ' };
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let is_ident = |at: usize| chars[at].is_alphanumeric() || chars[at] == '_';
        let before_is_ident = i > 0 && is_ident(i - 1);
        // `br"…"`: the `b` alone before the `r`.
        let byte_raw = |at: usize| chars[at - 1] == 'b' && (at == 1 || !is_ident(at - 2));
        let start = i;
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    i += 1;
                }
            }
        } else if c == 'r' && matches!(next, Some('"' | '#')) && (!before_is_ident || byte_raw(i)) {
            let hashes = chars[i + 1..].iter().take_while(|&&c| c == '#').count();
            if chars.get(i + 1 + hashes) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            i += hashes + 2;
            let closing: Vec<char> = std::iter::once('"')
                .chain(std::iter::repeat_n('#', hashes))
                .collect();
            while i < chars.len() && !chars[i..].starts_with(&closing) {
                i += 1;
            }
            i += closing.len();
        } else if c == '"' {
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                i += if chars[i] == '\\' { 2 } else { 1 };
            }
            i += 1;
        } else if c == '\'' && (next == Some('\\') || chars.get(i + 2) == Some(&'\'')) {
            i += if next == Some('\\') { 2 } else { 1 };
            while i < chars.len() && chars[i] != '\'' {
                i += 1;
            }
            i += 1;
        } else {
            out.push(c);
            i += 1;
            continue;
        }
        let end = i.min(chars.len());
        out.extend(chars[start..end].iter().map(|&c| blank(c)));
        i = end;
    }
    out
}
