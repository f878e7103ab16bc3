//! Layout of generated files: blank lines between items, then rustfmt's style.
//!
//! prost-build lays code out with prettyplease, which packs items together and breaks lines at a
//! narrower width than rustfmt. We separate items and hand the result to rustfmt, so that the
//! files read like hand-written code and pass `cargo fmt --check`. The rustfmt is named, never
//! guessed at silently: generated code must not depend on what a machine has on its PATH (Bazel
//! passes its toolchain's rustfmt, Cargo builds find the one next to their rustc).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::Error;

/// How generated files are laid out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Layout {
    /// With this rustfmt.
    Rustfmt(PathBuf),
    /// As prettyplease leaves it, items separated: valid, not rustfmt's style.
    Plain,
}

/// The rustfmt a build uses when none is named: `$RUSTFMT`, else the one next to `$RUSTC` (Cargo
/// sets it for build scripts: the toolchain that compiles the crate), else the first on `PATH`.
pub(crate) fn find_rustfmt() -> Result<PathBuf, Error> {
    if let Some(rustfmt) = std::env::var_os("RUSTFMT") {
        return Ok(PathBuf::from(rustfmt));
    }
    let beside_rustc = std::env::var_os("RUSTC")
        .map(PathBuf::from)
        .and_then(|rustc| {
            let rustc = if rustc.components().count() > 1 {
                rustc
            } else {
                on_path(&rustc)?
            };
            Some(rustc.with_file_name("rustfmt"))
        })
        .filter(|rustfmt| rustfmt.is_file());
    beside_rustc
        .or_else(|| on_path(Path::new("rustfmt")))
        .ok_or_else(|| {
            Error::Config(
            "rustfmt lays out the generated code, and none was found ($RUSTFMT, next to $RUSTC, \
             or on PATH): install it with `rustup component add rustfmt`, name it with \
             Builder::rustfmt, or keep prettyplease's layout with Builder::format(false)"
                .into(),
        )
        })
}

fn on_path(program: &Path) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?)
        .map(|dir| dir.join(program))
        .find(|candidate| candidate.is_file())
}

/// Formats one generated Rust file (`name` for errors).
pub(crate) fn format(code: &str, layout: &Layout, name: &str) -> Result<String, Error> {
    let separated = separate_items(code);
    match layout {
        Layout::Plain => Ok(separated),
        Layout::Rustfmt(rustfmt) => self::rustfmt(rustfmt, &separated).map_err(|reason| {
            Error::Config(format!(
                "{} could not format the generated {name}: {reason}",
                rustfmt.display()
            ))
        }),
    }
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

/// Runs `rustfmt` with its default configuration.
fn rustfmt(rustfmt: &Path, code: &str) -> Result<String, String> {
    // From an empty directory, so that no rustfmt.toml around the caller changes the output; a
    // relative path still means the caller's directory.
    let empty = std::env::temp_dir();
    let rustfmt = if rustfmt.components().count() > 1 && rustfmt.is_relative() {
        std::env::current_dir()
            .map_err(|error| format!("the current directory: {error}"))?
            .join(rustfmt)
    } else {
        rustfmt.to_owned()
    };
    let mut child = Command::new(&rustfmt)
        .args(["--edition", "2021", "--emit", "stdout", "--quiet"])
        .current_dir(empty)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|error| format!("cannot run it: {error}"))?;
    let mut stdin = child.stdin.take().ok_or("no stdin")?;
    let input = code.to_owned();
    // Write from another thread: rustfmt may fill the stdout pipe before reading all input.
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let output = child
        .wait_with_output()
        .map_err(|error| error.to_string())?;
    let written = writer.join().map_err(|_| "the writer thread panicked")?;
    if !output.status.success() || output.stdout.is_empty() {
        return Err(format!(
            "{} ({})",
            String::from_utf8_lossy(&output.stderr).trim(),
            output.status
        ));
    }
    written.map_err(|error| format!("cannot write to it: {error}"))?;
    String::from_utf8(output.stdout).map_err(|error| error.to_string())
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

    #[test]
    fn a_rustfmt_that_fails_is_an_error() {
        let error = format(
            "pub struct A;",
            &Layout::Rustfmt("/bin/false".into()),
            "a.rs",
        )
        .expect_err("rustfmt failed");
        assert!(
            error
                .to_string()
                .contains("could not format the generated a.rs"),
            "{error}"
        );
    }
}
