//! PowerShell cannot be installed on this machine kind: a reader that implements the
//! language's rules for what the writer emits, so its output is checked all the same.

/// PowerShell's single-quote characters (its tokenizer's `IsSingleQuote`).
const PWSH_SINGLE_QUOTES: [char; 5] = ['\'', '\u{2018}', '\u{2019}', '\u{201A}', '\u{201B}'];

/// One evaluated PowerShell statement: `Some(value)` set, `None` removed.
pub type PwshEffect = (String, Option<String>);

/// Reads `$Env:K = <expr>` and `Remove-Item -LiteralPath Env:K -ErrorAction
/// SilentlyContinue` lines as PowerShell evaluates them (`$Env:K = ''` removes `K`). An expression is single-quoted
/// strings and `[char]0xNNNN` pieces joined by ` + `; it must start with a string (else
/// `+` adds numbers). Inside a quoted string any of the five quote characters ends it
/// unless it is doubled, and the pair stands for one quote. The text must be pure ASCII.
pub fn read_pwsh(text: &str) -> Result<Vec<PwshEffect>, String> {
    if let Some(c) = text.chars().find(|c| !c.is_ascii()) {
        return Err(format!("not pure ASCII: {c:?}"));
    }
    let mut effects = Vec::new();
    for line in text.lines() {
        if let Some(rest) = line.strip_prefix("Remove-Item -LiteralPath Env:") {
            let name = rest
                .strip_suffix(" -ErrorAction SilentlyContinue")
                .ok_or_else(|| format!("unexpected removal: {line:?}"))?;
            effects.push((name.to_owned(), None));
        } else if let Some(rest) = line.strip_prefix("$Env:") {
            let (name, expr) = rest
                .split_once(" = ")
                .ok_or_else(|| format!("no assignment: {line:?}"))?;
            // Assigning '' to an Env: item removes the variable (PowerShell has no empty
            // environment variables on Windows, and removes them everywhere).
            let value = read_pwsh_expr(expr)?;
            effects.push((name.to_owned(), Some(value).filter(|v| !v.is_empty())));
        } else {
            return Err(format!("not a statement the writer should emit: {line:?}"));
        }
    }
    Ok(effects)
}

pub fn read_pwsh_expr(expr: &str) -> Result<String, String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut units: Vec<u16> = Vec::new();
    let mut i = 0;
    let mut first = true;
    loop {
        if chars.get(i).is_some_and(|c| PWSH_SINGLE_QUOTES.contains(c)) {
            i += 1;
            loop {
                let c = *chars.get(i).ok_or("a quoted string is not closed")?;
                i += 1;
                if PWSH_SINGLE_QUOTES.contains(&c) {
                    match chars.get(i) {
                        Some(next) if PWSH_SINGLE_QUOTES.contains(next) => {
                            // A doubled quote is one quote: the second of the pair.
                            units.extend(next.encode_utf16(&mut [0; 2]).iter());
                            i += 1;
                        }
                        _ => break,
                    }
                } else {
                    units.extend(c.encode_utf16(&mut [0; 2]).iter());
                }
            }
        } else if at(&chars, i, "[char]0x") {
            if first {
                return Err("the expression starts with [char]: `+` would add numbers".into());
            }
            let hex: String = chars
                .get(i + 8..i + 12)
                .ok_or("short [char]")?
                .iter()
                .collect();
            units.push(u16::from_str_radix(&hex, 16).map_err(|e| format!("[char]0x{hex}: {e}"))?);
            i += 12;
        } else {
            return Err(format!("unexpected at {i} in {expr:?}"));
        }
        first = false;
        if i == chars.len() {
            break;
        }
        if at(&chars, i, " + ") {
            i += 3;
        } else {
            return Err(format!("expected ' + ' at {i} in {expr:?}"));
        }
    }
    String::from_utf16(&units).map_err(|e| format!("unpaired surrogate: {e}"))
}

fn at(chars: &[char], i: usize, text: &str) -> bool {
    chars.get(i..).is_some_and(|rest| {
        rest.iter()
            .copied()
            .take(text.chars().count())
            .eq(text.chars())
    })
}
