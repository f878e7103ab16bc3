//! Runs a third-party crate's build script as Cargo would, inside a Bazel action, and turns what
//! it prints into files the crate's compilation reads.
//!
//! ```text
//! build_script_runner --script BIN --manifest-dir DIR --out-dir DIR --rustc RUSTC
//!     --target TRIPLE --host TRIPLE --cfg-file FILE --opt-level N [--feature F]...
//!     [--links NAME] [--dep-env FILE]... --flags-out FILE --link-search-out FILE
//!     --env-out FILE --dep-env-out FILE [--env KEY=VALUE]...
//! ```
//!
//! - `--flags-out`: a rustc argument file, one argument a line (`--cfg`, `-l`, `-L`);
//! - `--link-search-out`: its `-L` arguments alone, for the crates that depend on this one;
//! - `--env-out`: `KEY=VALUE` lines for the crate's compilation (`cargo:rustc-env`);
//! - `--dep-env-out`: `DEP_<LINKS>_<KEY>=VALUE` lines for the build scripts of crates that
//!   depend on this one (`cargo:KEY=VALUE` of a crate with `links`).
//!
//! Paths below the execution root are written relative to it (`-L`) or with `${pwd}` in its place
//! (values), so that the files do not depend on where the action ran; the compile action puts
//! the execution root back.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

/// The execution root in values, replaced by the compile action.
const PWD: &str = "${pwd}";

#[derive(Default)]
struct Arguments {
    script: PathBuf,
    manifest_dir: PathBuf,
    out_dir: PathBuf,
    rustc: PathBuf,
    target: String,
    host: String,
    cfg_file: PathBuf,
    opt_level: String,
    features: Vec<String>,
    links: Option<String>,
    dep_env: Vec<PathBuf>,
    flags_out: PathBuf,
    link_search_out: PathBuf,
    env_out: PathBuf,
    dep_env_out: PathBuf,
    env: Vec<(String, String)>,
}

fn parse(mut args: impl Iterator<Item = String>) -> Result<Arguments, String> {
    let mut parsed = Arguments::default();
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--script" => parsed.script = value.into(),
            "--manifest-dir" => parsed.manifest_dir = value.into(),
            "--out-dir" => parsed.out_dir = value.into(),
            "--rustc" => parsed.rustc = value.into(),
            "--target" => parsed.target = value,
            "--host" => parsed.host = value,
            "--cfg-file" => parsed.cfg_file = value.into(),
            "--opt-level" => parsed.opt_level = value,
            "--feature" => parsed.features.push(value),
            "--links" => parsed.links = Some(value),
            "--dep-env" => parsed.dep_env.push(value.into()),
            "--flags-out" => parsed.flags_out = value.into(),
            "--link-search-out" => parsed.link_search_out = value.into(),
            "--env-out" => parsed.env_out = value.into(),
            "--dep-env-out" => parsed.dep_env_out = value.into(),
            "--env" => {
                let (key, value) = value
                    .split_once('=')
                    .ok_or_else(|| format!("--env {value}: not KEY=VALUE"))?;
                parsed.env.push((key.to_owned(), value.to_owned()));
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    Ok(parsed)
}

/// `CARGO_CFG_*` variables from `rustc --print cfg`: `target_os="linux"` gives
/// `CARGO_CFG_TARGET_OS=linux`, `unix` gives `CARGO_CFG_UNIX=`; repeated keys are joined with
/// commas (`CARGO_CFG_TARGET_FEATURE=fxsr,sse`).
fn cfg_env(cfgs: &str) -> BTreeMap<String, String> {
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for line in cfgs.lines().map(str::trim).filter(|line| !line.is_empty()) {
        let (key, value) = match line.split_once('=') {
            Some((key, value)) => (key, value.trim_matches('"')),
            None => (line, ""),
        };
        // Cargo leaves out what only describes the compiler's own build.
        if key == "debug_assertions" || key.starts_with("feature") {
            continue;
        }
        let name = format!("CARGO_CFG_{}", key.to_uppercase());
        match env.get_mut(&name) {
            Some(joined) if !value.is_empty() => {
                joined.push(',');
                joined.push_str(value);
            }
            Some(_) => {}
            None => {
                env.insert(name, value.to_owned());
            }
        }
    }
    env
}

/// What the build script asked for, ready to be written.
#[derive(Default, Debug, PartialEq)]
struct Requests {
    flags: Vec<String>,
    env: Vec<String>,
    dep_env: Vec<String>,
    errors: Vec<String>,
}

/// Reads `cargo:` and `cargo::` lines. `execroot` is replaced as described in the module docs.
fn interpret(stdout: &str, links: Option<&str>, execroot: &str) -> Requests {
    let relative = |value: &str| -> String {
        let prefix = format!("{execroot}/");
        value.replace(&prefix, "").replace(execroot, ".")
    };
    let placeholder = |value: &str| value.replace(execroot, PWD);
    let mut requests = Requests::default();
    for line in stdout.lines() {
        let (instruction, new_syntax) = if let Some(rest) = line.strip_prefix("cargo::") {
            (rest, true)
        } else if let Some(rest) = line.strip_prefix("cargo:") {
            (rest, false)
        } else {
            continue;
        };
        let Some((key, value)) = instruction.split_once('=') else {
            continue;
        };
        match key {
            "rustc-cfg" => requests
                .flags
                .extend(["--cfg".to_owned(), value.to_owned()]),
            "rustc-link-lib" => requests.flags.extend(["-l".to_owned(), value.to_owned()]),
            "rustc-link-search" => requests.flags.extend(["-L".to_owned(), relative(value)]),
            "rustc-flags" => {
                let mut words = value.split_whitespace();
                while let Some(word) = words.next() {
                    let (flag, rest) = word.split_at(word.len().min(2));
                    if flag == "-l" || flag == "-L" {
                        let argument = if rest.is_empty() {
                            words.next().unwrap_or_default()
                        } else {
                            rest
                        };
                        let argument = if flag == "-L" {
                            relative(argument)
                        } else {
                            argument.to_owned()
                        };
                        requests.flags.extend([flag.to_owned(), argument]);
                    }
                }
            }
            "rustc-env" => requests.env.push(placeholder(value)),
            "error" => requests.errors.push(value.to_owned()),
            "metadata" if new_syntax => {
                if let (Some(links), Some((key, value))) = (links, value.split_once('=')) {
                    requests
                        .dep_env
                        .push(dep_env_line(links, key, &placeholder(value)));
                }
            }
            // Linker arguments apply to the package's own binaries, which are not built here;
            // the rest only matters to Cargo's own bookkeeping.
            "rustc-link-arg"
            | "rustc-link-arg-bins"
            | "rustc-link-arg-bin"
            | "rustc-link-arg-cdylib"
            | "rustc-cdylib-link-arg"
            | "rustc-link-arg-tests"
            | "rustc-link-arg-examples"
            | "rustc-link-arg-benches"
            | "rustc-check-cfg"
            | "rerun-if-changed"
            | "rerun-if-env-changed"
            | "warning" => {}
            other if !new_syntax => {
                // The old syntax: any other key is metadata for dependents.
                if let Some(links) = links {
                    requests
                        .dep_env
                        .push(dep_env_line(links, other, &placeholder(value)));
                }
            }
            _ => {}
        }
    }
    requests
}

/// The `-L` pairs of rustc arguments.
fn link_search(flags: &[String]) -> Vec<String> {
    flags
        .chunks(2)
        .filter(|pair| pair[0] == "-L")
        .flatten()
        .cloned()
        .collect()
}

fn dep_env_line(links: &str, key: &str, value: &str) -> String {
    let name = |text: &str| text.to_uppercase().replace('-', "_");
    format!("DEP_{}_{}={value}", name(links), name(key))
}

fn absolute(path: &Path, execroot: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        execroot.join(path)
    }
}

fn run(args: Arguments) -> Result<(), String> {
    let execroot =
        std::env::current_dir().map_err(|error| format!("current directory: {error}"))?;
    let execroot_text = execroot.to_string_lossy().into_owned();
    let manifest_dir = absolute(&args.manifest_dir, &execroot);
    let out_dir = absolute(&args.out_dir, &execroot);
    std::fs::create_dir_all(&out_dir).map_err(|error| format!("{}: {error}", out_dir.display()))?;
    let cfgs = std::fs::read_to_string(&args.cfg_file)
        .map_err(|error| format!("{}: {error}", args.cfg_file.display()))?;

    let mut command = Command::new(absolute(&args.script, &execroot));
    command.current_dir(&manifest_dir);
    // What Cargo gives a build script (the Cargo book, "Environment variables Cargo sets for
    // build scripts"), minus what only Cargo's own features use.
    command
        .env("CARGO_MANIFEST_DIR", &manifest_dir)
        .env("CARGO_MANIFEST_PATH", manifest_dir.join("Cargo.toml"))
        .env("OUT_DIR", &out_dir)
        .env("TARGET", &args.target)
        .env("HOST", &args.host)
        .env("NUM_JOBS", "1")
        .env("OPT_LEVEL", &args.opt_level)
        .env("DEBUG", "false")
        .env("PROFILE", "release")
        .env("RUSTC", absolute(&args.rustc, &execroot))
        .env("CARGO_ENCODED_RUSTFLAGS", "")
        .envs(cfg_env(&cfgs));
    for feature in &args.features {
        let name = feature.to_uppercase().replace('-', "_");
        command.env(format!("CARGO_FEATURE_{name}"), "1");
    }
    if let Some(links) = &args.links {
        command.env("CARGO_MANIFEST_LINKS", links);
    }
    for (key, value) in &args.env {
        command.env(key, value);
    }
    for file in &args.dep_env {
        let lines = std::fs::read_to_string(file)
            .map_err(|error| format!("{}: {error}", file.display()))?;
        for line in lines.lines() {
            if let Some((key, value)) = line.split_once('=') {
                command.env(key, value.replace(PWD, &execroot_text));
            }
        }
    }

    let output = command.output().map_err(|error| {
        format!(
            "cannot run the build script {}: {error}",
            args.script.display()
        )
    })?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let requests = interpret(&stdout, args.links.as_deref(), &execroot_text);
    if !output.status.success() || !requests.errors.is_empty() {
        return Err(format!(
            "the build script of {} failed ({}){}\n--- stdout\n{stdout}\n--- stderr\n{}",
            manifest_dir.display(),
            output.status,
            requests
                .errors
                .iter()
                .map(|error| format!("\nerror: {error}"))
                .collect::<String>(),
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    let write = |path: &Path, lines: &[String]| {
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        std::fs::write(path, text).map_err(|error| format!("{}: {error}", path.display()))
    };
    write(&args.flags_out, &requests.flags)?;
    write(&args.link_search_out, &link_search(&requests.flags))?;
    write(&args.env_out, &requests.env)?;
    write(&args.dep_env_out, &requests.dep_env)?;
    Ok(())
}

fn main() -> ExitCode {
    match parse(std::env::args().skip(1)).and_then(run) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("build_script_runner: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cfgs_become_cargo_cfg_variables() {
        let env = cfg_env("debug_assertions\nfeature=\"x\"\npanic=\"unwind\"\ntarget_feature=\"fxsr\"\ntarget_feature=\"sse\"\ntarget_os=\"linux\"\nunix\n");
        assert_eq!(env["CARGO_CFG_TARGET_FEATURE"], "fxsr,sse");
        assert_eq!(env["CARGO_CFG_TARGET_OS"], "linux");
        assert_eq!(env["CARGO_CFG_UNIX"], "");
        assert_eq!(env["CARGO_CFG_PANIC"], "unwind");
        assert!(!env.contains_key("CARGO_CFG_DEBUG_ASSERTIONS"));
        assert!(!env.contains_key("CARGO_CFG_FEATURE"));
    }

    #[test]
    fn instructions_become_flags_env_and_metadata() {
        let stdout = "noise\ncargo:rustc-cfg=has_atomics\ncargo::rustc-cfg=feature=\"x\"\n\
            cargo:rustc-link-search=native=/root/x/bazel-out/out\ncargo:rustc-link-lib=static=helpers\n\
            cargo:rustc-env=GENERATED=/root/x/bazel-out/out/gen.rs\ncargo:include=/root/x/inc\n\
            cargo::metadata=version=1.2\ncargo:rustc-flags=-l z -L/usr/lib\ncargo:rerun-if-changed=build.rs\n";
        let requests = interpret(stdout, Some("z-sys"), "/root/x");
        assert_eq!(
            requests.flags,
            [
                "--cfg",
                "has_atomics",
                "--cfg",
                "feature=\"x\"",
                "-L",
                "native=bazel-out/out",
                "-l",
                "static=helpers",
                "-l",
                "z",
                "-L",
                "/usr/lib"
            ]
        );
        assert_eq!(
            link_search(&requests.flags),
            ["-L", "native=bazel-out/out", "-L", "/usr/lib"]
        );
        assert_eq!(requests.env, ["GENERATED=${pwd}/bazel-out/out/gen.rs"]);
        assert_eq!(
            requests.dep_env,
            ["DEP_Z_SYS_INCLUDE=${pwd}/inc", "DEP_Z_SYS_VERSION=1.2"]
        );
    }

    #[test]
    fn errors_are_collected() {
        let requests = interpret("cargo::error=no zlib\n", None, "/x");
        assert_eq!(requests.errors, ["no zlib"]);
    }
}
