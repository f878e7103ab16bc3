//! Glue for the host side: a typed handle per plugin service, a trait per host service.

use proc_macro2::{Ident, TokenStream};
use prost_build::Service;
use quote::{format_ident, quote};

use super::{doc_paragraph, docs, full_name, ident, rust_type};
use crate::plan::{HostPlan, PluginPlan};
use crate::Error;

pub(super) fn plugin(
    service: &Service,
    plan: &PluginPlan,
    host_trait: Option<&Ident>,
) -> Result<TokenStream, Error> {
    let name = full_name(service);
    let handle = format_ident!("{}Plugin", service.name);
    let version = proc_macro2::Literal::u64_unsuffixed(plan.version);
    let api_export = &plan.api_version_export;
    let method_exports = &plan.method_exports;
    let handle_docs = doc_paragraph(
        &service.comments,
        &format!(
            "A loaded plugin that implements `{name}`, version {version}.\n\n\
             Cloning is cheap and clones share the plugin's instances: call it from as many threads\n\
             as you like."
        ),
    );

    // Plugins of a file that declares host functions get them at load time, as in go-plugin.
    let (host_param, host_arg, host_module) = match host_trait {
        Some(host_trait) => (
            quote! { , host_functions: impl #host_trait },
            quote! { , host_functions },
            quote! { ::core::option::Option::Some(#host_trait::into_host_module(host_functions)) },
        ),
        None => (
            quote! {},
            quote! {},
            quote! { ::core::option::Option::None },
        ),
    };

    let mut methods = Vec::new();
    for (index, method) in service.methods.iter().enumerate() {
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        let method_name = ident(&method.name);
        let input = rust_type(&method.input_type)?;
        let output = rust_type(&method.output_type)?;
        let method_docs = docs(&method.comments);
        methods.push(quote! {
            #method_docs
            pub fn #method_name(
                &self,
                request: impl ::std::borrow::Borrow<#input>,
            ) -> ::core::result::Result<#output, ::wasm_plugin_runtime::Error> {
                self.plugin.call(#index, request.borrow())
            }
        });
    }

    Ok(quote! {
        #handle_docs
        #[derive(Clone, Debug)]
        pub struct #handle {
            plugin: ::wasm_plugin_runtime::Plugin,
        }

        #[allow(dead_code, reason = "a host uses the parts of the generated API it needs")]
        impl #handle {
            /// The interface version this host accepts from plugins.
            pub const API_VERSION: u64 = #version;

            const INTERFACE: ::wasm_plugin_runtime::codegen::Interface =
                ::wasm_plugin_runtime::codegen::Interface {
                    service: #name,
                    version: #version,
                    api_version_export: #api_export,
                    method_exports: &[#(#method_exports),*],
                };

            /// Compiles the `.wasm` file at `path` and instantiates it as this service.
            pub fn load(
                loader: &::wasm_plugin_runtime::Loader,
                path: impl ::core::convert::AsRef<::std::path::Path>
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                Self::from_module(&loader.compile_file(path)? #host_arg)
            }

            /// Compiles a `.wasm` module held in memory and instantiates it as this service.
            pub fn load_bytes(
                loader: &::wasm_plugin_runtime::Loader,
                wasm: &[u8]
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                Self::from_module(&loader.compile_bytes(wasm)? #host_arg)
            }

            /// Instantiates an already compiled module as this service, for example a module that
            /// implements several services.
            pub fn from_module(
                module: &::wasm_plugin_runtime::Module
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                let plugin = ::wasm_plugin_runtime::Plugin::new(
                    module,
                    &Self::INTERFACE,
                    #host_module,
                )?;
                ::core::result::Result::Ok(Self { plugin })
            }

            #(#methods)*
        }

        impl ::core::convert::AsRef<::wasm_plugin_runtime::Plugin> for #handle {
            fn as_ref(&self) -> &::wasm_plugin_runtime::Plugin {
                &self.plugin
            }
        }
    })
}

pub(super) fn host(service: &Service, plan: &HostPlan) -> Result<TokenStream, Error> {
    let trait_name = ident(&service.name);
    let module = &plan.module;
    let trait_docs = doc_paragraph(
        &service.comments,
        &format!(
            "Host functions that plugins import from the module `{module}`: implement the trait and\n\
             pass the implementation to the plugin's `load`."
        ),
    );

    let mut methods = Vec::new();
    let mut functions = Vec::new();
    for (method, import) in service.methods.iter().zip(&plan.imports) {
        let method_name = ident(&method.name);
        let input = rust_type(&method.input_type)?;
        let output = rust_type(&method.output_type)?;
        let method_docs = docs(&method.comments);
        methods.push(quote! {
            #method_docs
            fn #method_name(&self, request: #input) -> ::core::result::Result<#output, ::wasm_plugin_runtime::HostError>;
        });
        functions.push(quote! {
            .function(#import, {
                let host = ::std::sync::Arc::clone(&host);
                move |request| host.#method_name(request)
            })
        });
    }

    let module_doc = format!(" Packs this implementation as the import module `{module}`.");
    Ok(quote! {
        #trait_docs
        pub trait #trait_name: ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*

            #[doc = #module_doc]
            fn into_host_module(self) -> ::wasm_plugin_runtime::HostModule
            where
                Self: ::core::marker::Sized,
            {
                let host = ::std::sync::Arc::new(self);
                ::wasm_plugin_runtime::HostModule::new(#module) #(#functions)*
            }
        }
    })
}
