//! The `// wasm:plugin ...` (or go-plugin's `// go:plugin ...`) directive above a service.

use std::fmt;

/// What a directive makes of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Directive {
    /// `type=plugin`: the plugin implements the service, the host calls it.
    Plugin { version: u64 },
    /// `type=host`: the host implements the service, the plugin calls it.
    Host { module: String },
}

/// A directive that cannot be used; the message says what to write instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DirectiveError(pub String);

impl fmt::Display for DirectiveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

const PREFIXES: [&str; 2] = ["wasm:plugin", "go:plugin"];

/// The default module of host functions, as in go-plugin.
pub(crate) const DEFAULT_HOST_MODULE: &str = "env";

/// Whether a line of a comment (its text after `//`) is a plugin directive.
pub(crate) fn is_directive(line: &str) -> bool {
    let line = line.trim_start_matches("//").trim();
    PREFIXES.iter().any(|prefix| {
        line.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with(char::is_whitespace))
    })
}

/// Finds the directive in the comment blocks above a service, if any.
pub(crate) fn find<'a>(
    comments: impl IntoIterator<Item = &'a str>,
) -> Result<Option<Directive>, DirectiveError> {
    let mut lines = comments
        .into_iter()
        .flat_map(str::lines)
        .map(|line| line.trim_start_matches("//").trim())
        .filter_map(|line| {
            PREFIXES.iter().find_map(|prefix| {
                let rest = line.strip_prefix(prefix)?;
                (rest.is_empty() || rest.starts_with(char::is_whitespace))
                    .then_some((*prefix, rest))
            })
        });
    let Some((prefix, arguments)) = lines.next() else {
        return Ok(None);
    };
    if lines.next().is_some() {
        return Err(DirectiveError(
            "more than one plugin directive; keep one `// wasm:plugin ...` line".into(),
        ));
    }
    parse(prefix, arguments).map(Some)
}

fn parse(prefix: &str, arguments: &str) -> Result<Directive, DirectiveError> {
    let mut kind = None;
    let mut version = None;
    let mut module = None;
    for field in arguments.split_whitespace() {
        let Some((key, value)) = field.split_once('=') else {
            return Err(DirectiveError(format!(
                "`{field}` in `{prefix}` is not key=value (example: `{prefix} type=plugin version=1`)"
            )));
        };
        let slot = match key {
            "type" => &mut kind,
            "version" => &mut version,
            "module" => &mut module,
            _ => {
                return Err(DirectiveError(format!(
                    "unknown key `{key}` in `{prefix}`; the keys are type, version and module"
                )))
            }
        };
        if slot.replace(value).is_some() {
            return Err(DirectiveError(format!(
                "`{key}` appears twice in `{prefix}`"
            )));
        }
    }
    match kind {
        Some("plugin") => {
            if module.is_some() {
                return Err(DirectiveError(
                    "`module=` names the import module of host functions; it applies to \
                     type=host services only"
                        .into(),
                ));
            }
            let version = match version {
                None => 1,
                Some(text) => text.parse::<u64>().ok().filter(|v| *v > 0).ok_or_else(|| {
                    DirectiveError(format!(
                        "version `{text}` is not a positive integer (example: version=2)"
                    ))
                })?,
            };
            Ok(Directive::Plugin { version })
        }
        Some("host") => {
            if version.is_some() {
                return Err(DirectiveError(
                    "`version=` applies to type=plugin services only; host functions are \
                     versioned with the plugin service"
                        .into(),
                ));
            }
            let module = module.unwrap_or(DEFAULT_HOST_MODULE);
            if module.is_empty() {
                return Err(DirectiveError("`module=` needs a module name".into()));
            }
            Ok(Directive::Host {
                module: module.to_owned(),
            })
        }
        Some(other) => Err(DirectiveError(format!(
            "unknown type `{other}` in `{prefix}`; use type=plugin or type=host"
        ))),
        None => Err(DirectiveError(format!(
            "`{prefix}` needs a type: type=plugin or type=host"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(comment: &str) -> Result<Option<Directive>, DirectiveError> {
        find([comment])
    }

    #[test]
    fn both_spellings_are_understood() {
        let plugin = Some(Directive::Plugin { version: 3 });
        assert_eq!(
            one(" wasm:plugin type=plugin version=3\n"),
            Ok(plugin.clone())
        );
        assert_eq!(one(" go:plugin type=plugin version=3\n"), Ok(plugin));
    }

    #[test]
    fn defaults_are_version_one_and_module_env() {
        assert_eq!(
            one(" The greeting service.\n go:plugin type=plugin\n"),
            Ok(Some(Directive::Plugin { version: 1 }))
        );
        assert_eq!(
            one(" go:plugin type=host"),
            Ok(Some(Directive::Host {
                module: "env".into()
            }))
        );
        assert_eq!(
            one(" wasm:plugin type=host module=funcs"),
            Ok(Some(Directive::Host {
                module: "funcs".into()
            }))
        );
    }

    #[test]
    fn comments_without_a_directive_give_none() {
        assert_eq!(
            one(" Just a service.\n mentions go:plugins in prose\n"),
            Ok(None)
        );
        assert_eq!(find([]), Ok(None));
    }

    #[test]
    fn detached_blocks_count_too() {
        assert_eq!(
            find([" wasm:plugin type=plugin version=2\n", " Greets people.\n"]),
            Ok(Some(Directive::Plugin { version: 2 }))
        );
    }

    #[test]
    fn mistakes_are_explained() {
        let error = |comment| one(comment).unwrap_err().0;
        assert!(error(" wasm:plugin typ=plugin").contains("unknown key `typ`"));
        assert!(error(" wasm:plugin type=plugn").contains("unknown type `plugn`"));
        assert!(error(" wasm:plugin version=2").contains("needs a type"));
        assert!(error(" wasm:plugin type=plugin version=two").contains("`two` is not a positive"));
        assert!(error(" wasm:plugin type=plugin version=0").contains("`0` is not a positive"));
        assert!(error(" wasm:plugin type=plugin version=-1").contains("`-1` is not a positive"));
        assert!(error(" wasm:plugin type=plugin module=x").contains("type=host services only"));
        assert!(error(" wasm:plugin type=host version=2").contains("type=plugin services only"));
        assert!(error(" wasm:plugin type=plugin type=host").contains("appears twice"));
        assert!(error(" wasm:plugin plugin").contains("is not key=value"));
        assert!(error(" wasm:plugin type=host module=").contains("needs a module name"));
        assert!(find([" go:plugin type=plugin", " go:plugin type=host"])
            .unwrap_err()
            .0
            .contains("more than one"));
    }
}
