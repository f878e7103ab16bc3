//! Reads the plugin directives of a descriptor set and checks them, before any code is written.
//!
//! Every mistake is reported with the `.proto` file and line it comes from.

use std::collections::{BTreeMap, BTreeSet};

use prost_types::{FileDescriptorProto, ServiceDescriptorProto};

use crate::directive::{self, Directive};
use crate::{Error, Side};
use wasm_plugin_abi::names;

/// Export names already taken, with who takes them.
struct Exports {
    across_services: bool,
    names: BTreeMap<String, String>,
}

/// What to generate for one service, keyed by its full protobuf name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ServicePlan {
    Plugin(PluginPlan),
    Host(HostPlan),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PluginPlan {
    pub version: u64,
    pub api_version_export: String,
    /// One export per rpc, in declaration order.
    pub method_exports: Vec<String>,
    /// The proto name of the `type=host` service declared in the same file, if any.
    pub host_service: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HostPlan {
    pub module: String,
    /// One import per rpc, in declaration order.
    pub imports: Vec<String>,
}

/// The plans of all services with a directive, by full name (`greeting.Greeter`).
#[derive(Debug, Default)]
pub(crate) struct Plan {
    pub services: BTreeMap<String, ServicePlan>,
}

impl Plan {
    /// Plans the services of `files`, which must carry source info for line numbers.
    pub(crate) fn new<'a>(
        files: impl IntoIterator<Item = &'a FileDescriptorProto>,
        side: Side,
    ) -> Result<Self, Error> {
        let mut plan = Plan::default();
        let mut exports = Exports {
            // A guest links the exports of all files into one module, so their names must
            // differ across services; a host only needs each service's own to differ.
            across_services: side == Side::Guest,
            names: BTreeMap::new(),
        };
        for file in files {
            plan_file(file, &mut plan, &mut exports)?;
        }
        Ok(plan)
    }

    pub(crate) fn service(&self, package: &str, name: &str) -> Option<&ServicePlan> {
        self.services.get(&full_name(package, name))
    }
}

fn full_name(package: &str, name: &str) -> String {
    if package.is_empty() {
        name.to_owned()
    } else {
        format!("{package}.{name}")
    }
}

/// A path into a `FileDescriptorProto`, as used by `SourceCodeInfo` (field numbers and indexes).
const SERVICE_FIELD: i32 = 6;
const METHOD_FIELD: i32 = 2;

fn plan_file(
    file: &FileDescriptorProto,
    plan: &mut Plan,
    exports: &mut Exports,
) -> Result<(), Error> {
    let mut host_service: Option<&str> = None;
    let mut planned = Vec::new();
    for (index, service) in file.service.iter().enumerate() {
        let path = [SERVICE_FIELD, index as i32];
        let at = Location::of(file, &path);
        let directive = directive::find(at.comments.iter().copied()).map_err(|error| {
            at.directive_error(format!("service `{}`: {error}", service.name()))
        })?;
        let Some(directive) = directive else { continue };
        check_methods(file, index, service)?;
        if let Directive::Host { .. } = directive {
            if let Some(first) = host_service.replace(service.name()) {
                return Err(at.directive_error(format!(
                    "service `{}` is the second type=host service in this file, after `{first}`; \
                     a file declares its host functions in one service",
                    service.name()
                )));
            }
        }
        planned.push((service, directive));
    }

    for (service, directive) in planned {
        let service_plan = match directive {
            Directive::Plugin { version } => ServicePlan::Plugin(PluginPlan {
                version,
                api_version_export: names::api_version_export(service.name()),
                method_exports: service
                    .method
                    .iter()
                    .map(|method| names::method_export(service.name(), method.name()))
                    .collect(),
                host_service: host_service.map(str::to_owned),
            }),
            Directive::Host { module } => ServicePlan::Host(HostPlan {
                module,
                imports: service
                    .method
                    .iter()
                    .map(|m| names::host_import(m.name()))
                    .collect(),
            }),
        };
        check_export_names(file, service, &service_plan, exports)?;
        plan.services
            .insert(full_name(file.package(), service.name()), service_plan);
    }
    Ok(())
}

fn check_methods(
    file: &FileDescriptorProto,
    index: usize,
    service: &ServiceDescriptorProto,
) -> Result<(), Error> {
    for (method_index, method) in service.method.iter().enumerate() {
        if method.client_streaming() || method.server_streaming() {
            let path = [
                SERVICE_FIELD,
                index as i32,
                METHOD_FIELD,
                method_index as i32,
            ];
            return Err(Location::of(file, &path).error(format!(
                "rpc `{}.{}` streams; streaming is not supported by wasm plugins (use a \
                 repeated field in one message instead)",
                service.name(),
                method.name()
            )));
        }
    }
    Ok(())
}

/// Two rpcs whose names differ only in case or underscores would share an export.
fn check_export_names(
    file: &FileDescriptorProto,
    service: &ServiceDescriptorProto,
    plan: &ServicePlan,
    exports: &mut Exports,
) -> Result<(), Error> {
    if !exports.across_services {
        exports.names.clear();
    }
    let (names, reserved): (Vec<&String>, BTreeSet<&str>) = match plan {
        ServicePlan::Plugin(plugin) => (
            std::iter::once(&plugin.api_version_export)
                .chain(&plugin.method_exports)
                .collect(),
            wasm_plugin_abi::RESERVED_EXPORTS.into(),
        ),
        ServicePlan::Host(host) => {
            // Two rpcs whose names differ only in case or underscores would share an import.
            let mut seen = BTreeSet::new();
            for (method, import) in service.method.iter().zip(&host.imports) {
                if !seen.insert(import) {
                    let index = file
                        .service
                        .iter()
                        .position(|s| s.name == service.name)
                        .unwrap_or(0);
                    return Err(
                        Location::of(file, &[SERVICE_FIELD, index as i32]).error(format!(
                            "rpc `{}.{}` would be imported as `{import}`, like another rpc of the \
                         service; rename one of them",
                            full_name(file.package(), service.name()),
                            method.name()
                        )),
                    );
                }
            }
            return Ok(());
        }
    };
    for (position, name) in names.into_iter().enumerate() {
        let service_name = full_name(file.package(), service.name());
        let owner = match position {
            0 => format!("the version export of `{service_name}`"),
            n => format!("rpc `{service_name}.{}`", service.method[n - 1].name()),
        };
        let clash = if reserved.contains(name.as_str()) {
            Some("the binary interface itself".to_owned())
        } else {
            exports.names.get(name).cloned()
        };
        if let Some(other) = clash {
            let index = file
                .service
                .iter()
                .position(|s| s.name == service.name)
                .unwrap_or(0);
            return Err(Location::of(file, &[SERVICE_FIELD, index as i32]).error(format!(
                "{owner} would be exported as `{name}`, which {other} uses already; rename one of them"
            )));
        }
        exports.names.insert(name.clone(), owner);
    }
    Ok(())
}

/// Where an element is declared, and the comments above it.
struct Location<'a> {
    file: &'a str,
    /// 1-based, as editors show it; 0 when the descriptor carries no source info.
    line: i32,
    comments: Vec<&'a str>,
    /// The comment block right above the element (it ends on the line before it).
    leading: Option<&'a str>,
}

impl<'a> Location<'a> {
    fn of(file: &'a FileDescriptorProto, path: &[i32]) -> Self {
        let location = file
            .source_code_info
            .as_ref()
            .and_then(|info| info.location.iter().find(|location| location.path == path));
        Location {
            file: file.name(),
            line: location
                .and_then(|l| l.span.first())
                .map_or(0, |line| line + 1),
            comments: location
                .map(|l| {
                    l.leading_detached_comments
                        .iter()
                        .map(String::as_str)
                        .chain(l.leading_comments.as_deref())
                        .collect()
                })
                .unwrap_or_default(),
            leading: location.and_then(|l| l.leading_comments.as_deref()),
        }
    }

    /// An error about the element's plugin directive, at the directive's own line when it is
    /// in the comment block right above the element (that block's lines are known: it ends on
    /// the line before), else at the element's.
    fn directive_error(&self, message: String) -> Error {
        let line = self
            .leading
            .filter(|_| self.line > 0)
            .and_then(|block| {
                let lines: Vec<&str> = block.lines().collect();
                let index = lines
                    .iter()
                    .position(|line| directive::is_directive(line))?;
                let first = self.line - i32::try_from(lines.len()).ok()?;
                Some(first + i32::try_from(index).ok()?)
            })
            .unwrap_or(self.line);
        Location {
            line,
            comments: Vec::new(),
            leading: None,
            ..*self
        }
        .error(message)
    }

    fn error(&self, message: String) -> Error {
        Error::Proto {
            file: self.file.to_owned(),
            line: (self.line > 0).then_some(self.line as u32),
            message,
        }
    }
}
