//! Layout of generated files: blank lines between items, then rustfmt's style.
//!
//! prost-build lays code out with prettyplease, which packs items together and breaks lines at a
//! narrower width than rustfmt. We separate items and hand the result to rustfmt, so that the
//! files read like hand-written code and pass `cargo fmt --check`. Without rustfmt (from
//! `$RUSTFMT` or `PATH`) the prettyplease layout is kept: still valid, just not rustfmt's.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};

/// Formats one generated Rust file.
pub(crate) fn format(code: &str) -> String {
    let separated = separate_items(code);
    rustfmt(&separated).unwrap_or(separated)
}

/// Inserts a blank line between consecutive items at the same indentation.
fn separate_items(code: &str) -> String {
    let mut out = String::with_capacity(code.len() + code.len() / 16);
    let mut previous: Option<&str> = None;
    for line in code.lines() {
        if let Some(previous) = previous {
            let indent = |s: &str| s.len() - s.trim_start().len();
            let ends_item = {
                let trimmed = previous.trim();
                trimmed == "}" || trimmed.ends_with(';')
            };
            if ends_item && indent(previous) == indent(line) && starts_item(line.trim_start()) {
                out.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
        previous = Some(line);
    }
    out
}

fn starts_item(line: &str) -> bool {
    const STARTS: [&str; 14] = [
        "///", "#[", "#![", "pub ", "pub(", "impl", "mod ", "const ", "fn ", "trait ", "struct ",
        "enum ", "unsafe ", "extern ",
    ];
    STARTS.iter().any(|start| line.starts_with(start))
}

/// Runs rustfmt with its default configuration; `None` if it is unavailable or fails.
fn rustfmt(code: &str) -> Option<String> {
    let rustfmt = std::env::var_os("RUSTFMT")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("rustfmt"));
    // From an empty directory, so that no rustfmt.toml around the caller changes the output.
    let empty = std::env::temp_dir();
    let mut child = Command::new(rustfmt)
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .current_dir(empty)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    let mut stdin = child.stdin.take()?;
    let input = code.to_owned();
    // Write from another thread: rustfmt may fill the stdout pipe before reading all input.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child.wait_with_output().ok()?;
    writer.join().ok()?.ok()?;
    (output.status.success() && !output.stdout.is_empty())
        .then(|| String::from_utf8(output.stdout).ok())
        .flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_are_separated_but_fields_are_not() {
        let code = "pub struct A {\n    pub x: u32,\n    pub y: u32,\n}\n/// B.\npub struct B;\nimpl B {\n    fn f() {}\n    fn g() {\n    }\n    fn h() {}\n}\ntrait T {\n    fn a();\n    /// b\n    fn b();\n}\n";
        assert_eq!(
            separate_items(code),
            "pub struct A {\n    pub x: u32,\n    pub y: u32,\n}\n\n/// B.\npub struct B;\n\nimpl B {\n    fn f() {}\n    fn g() {\n    }\n\n    fn h() {}\n}\n\ntrait T {\n    fn a();\n\n    /// b\n    fn b();\n}\n"
        );
    }
}
