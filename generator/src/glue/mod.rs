//! The `prost_build::ServiceGenerator` that writes plugin glue next to prost's message types.

mod guest;
mod host;

use std::cell::RefCell;
use std::rc::Rc;
use std::str::FromStr;

use proc_macro2::TokenStream;
use prost_build::{Comments, Service, ServiceGenerator};
use quote::quote;

use crate::plan::{Plan, ServicePlan};
use crate::{Error, Side};

/// Collects the services of one `.proto` file and writes their glue once the file is complete,
/// because a plugin service needs to know the host service declared after it.
pub(crate) struct Glue {
    side: Side,
    /// Whether host-side code is async (`Builder::async_calls`).
    async_calls: bool,
    plan: Rc<Plan>,
    pending: Vec<Service>,
    /// The first error; `ServiceGenerator` cannot return one.
    error: Rc<RefCell<Option<Error>>>,
}

impl Glue {
    pub(crate) fn new(
        side: Side,
        async_calls: bool,
        plan: Rc<Plan>,
        error: Rc<RefCell<Option<Error>>>,
    ) -> Self {
        Self {
            side,
            async_calls,
            plan,
            pending: Vec::new(),
            error,
        }
    }

    fn write(&self, services: &[Service]) -> Result<TokenStream, Error> {
        let host_trait = services
            .iter()
            .find(|service| matches!(self.plan_of(service), Some(ServicePlan::Host(_))))
            .map(|service| ident(&service.name));
        let mut tokens = TokenStream::new();
        for service in services {
            tokens.extend(match (self.plan_of(service), self.side) {
                (None, _) => TokenStream::new(),
                (Some(ServicePlan::Plugin(plan)), Side::Guest) => guest::plugin(service, plan)?,
                (Some(ServicePlan::Host(plan)), Side::Guest) => guest::host(service, plan)?,
                (Some(ServicePlan::Plugin(plan)), Side::Host) => {
                    host::plugin(service, plan, host_trait.as_ref(), self.async_calls)?
                }
                (Some(ServicePlan::Host(plan)), Side::Host) => {
                    host::host(service, plan, self.async_calls)?
                }
            });
        }
        Ok(tokens)
    }

    fn plan_of(&self, service: &Service) -> Option<&ServicePlan> {
        self.plan.service(&service.package, &service.proto_name)
    }
}

impl ServiceGenerator for Glue {
    fn generate(&mut self, service: Service, _buf: &mut String) {
        self.pending.push(service);
    }

    fn finalize(&mut self, buf: &mut String) {
        let services = std::mem::take(&mut self.pending);
        match self.write(&services) {
            Ok(tokens) => buf.push_str(&tokens.to_string()),
            Err(error) => {
                self.error.borrow_mut().get_or_insert(error);
            }
        }
    }
}

/// An identifier from a name prost already made Rust-safe.
fn ident(name: &str) -> proc_macro2::Ident {
    match name.strip_prefix("r#") {
        Some(raw) => proc_macro2::Ident::new_raw(raw, proc_macro2::Span::call_site()),
        None => proc_macro2::Ident::new(name, proc_macro2::Span::call_site()),
    }
}

/// A Rust type path as prost writes it (`GreetRequest`, `super::common::Id`, `()`).
fn rust_type(path: &str) -> Result<TokenStream, Error> {
    TokenStream::from_str(path)
        .map_err(|error| Error::Config(format!("prost produced the type `{path}`: {error}")))
}

/// Doc attributes from the comments above a proto element, without directive lines.
fn docs(comments: &Comments) -> TokenStream {
    let kept = Comments {
        leading_detached: Vec::new(),
        leading: comments
            .leading
            .iter()
            .filter(|line| {
                let line = line.trim();
                !(line.starts_with("wasm:plugin") || line.starts_with("go:plugin"))
            })
            .cloned()
            .collect(),
        trailing: comments.trailing.clone(),
    };
    // prost's own sanitizer keeps our docs consistent with the message docs around them.
    let mut rendered = String::new();
    kept.append_with_indent(0, &mut rendered);
    let lines = rendered
        .lines()
        .map(|line| line.strip_prefix("///").unwrap_or(line).to_owned());
    quote! { #(#[doc = #lines])* }
}

/// A doc paragraph separated from the proto comments above it.
fn doc_paragraph(comments: &Comments, text: &str) -> TokenStream {
    let proto_docs = docs(comments);
    let separator = (!proto_docs.is_empty()).then(|| quote! { #[doc = ""] });
    let lines = text.lines().map(|line| format!(" {line}"));
    quote! {
        #proto_docs
        #separator
        #(#[doc = #lines])*
    }
}

/// The full protobuf name of a service, as error messages and docs show it.
fn full_name(service: &Service) -> String {
    if service.package.is_empty() {
        service.proto_name.clone()
    } else {
        format!("{}.{}", service.package, service.proto_name)
    }
}
