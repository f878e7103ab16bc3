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
    async_calls: bool,
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
    let (host_param, with_host) = match host_trait {
        Some(host_trait) => (
            quote! { , host_functions: impl #host_trait },
            quote! { .host_module(#host_trait::into_host_module(host_functions)) },
        ),
        None => (quote! {}, quote! {}),
    };

    let mut methods = Vec::new();
    let mut descriptions = Vec::new();
    for ((index, method), export) in service.methods.iter().enumerate().zip(method_exports) {
        let index = proc_macro2::Literal::usize_unsuffixed(index);
        let method_name = ident(&method.name);
        let input = rust_type(&method.input_type)?;
        let output = rust_type(&method.output_type)?;
        let method_docs = docs(&method.comments);
        let request_name = proto_name(&method.input_proto_type);
        let response_name = proto_name(&method.output_proto_type);
        descriptions.push(quote! {
            ::wasm_plugin_runtime::codegen::Method {
                export: #export,
                request: #request_name,
                response: #response_name,
            }
        });
        methods.push(if async_calls {
            quote! {
                #method_docs
                pub async fn #method_name(
                    &self,
                    request: impl ::std::borrow::Borrow<#input> + ::core::marker::Send,
                ) -> ::core::result::Result<#output, ::wasm_plugin_runtime::Error> {
                    ::wasm_plugin_runtime::codegen::call_async(&self.plugin, #index, request.borrow())
                        .await
                }
            }
        } else {
            quote! {
                #method_docs
                pub fn #method_name(
                    &self,
                    request: impl ::std::borrow::Borrow<#input>,
                ) -> ::core::result::Result<#output, ::wasm_plugin_runtime::Error> {
                    ::wasm_plugin_runtime::codegen::call(&self.plugin, #index, request.borrow())
                }
            }
        });
    }
    let with = match host_trait {
        Some(host_trait) => format!("the loader's grants and the host functions `{host_trait}`"),
        None => "the loader's grants".to_owned(),
    };
    let own = format!("For grants or host functions of its own, see [`{handle}::builder`].");
    let load_file_docs = doc_lines(&format!(
        "Compiles the `.wasm` file at `path` and instantiates it as this service, with\n{with}.\n{own}"
    ));
    let load_bytes_docs = doc_lines(&format!(
        "Compiles a `.wasm` module held in memory and instantiates it as this service, with\n{with}.\n{own}"
    ));
    let from_module_docs = doc_lines(&format!(
        "Instantiates an already compiled module as this service (for example a module that\n\
         implements several services), with {with}.\n{own}"
    ));

    let loaders = if async_calls {
        quote! {
            #load_file_docs
            pub async fn load(
                loader: &::wasm_plugin_runtime::Loader,
                path: impl ::core::convert::AsRef<::std::path::Path>
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                Self::builder(loader) #with_host .load_async(path).await
            }

            #load_bytes_docs
            pub async fn load_bytes(
                loader: &::wasm_plugin_runtime::Loader,
                wasm: &[u8]
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                Self::builder(loader) #with_host .load_bytes_async(wasm).await
            }

            #from_module_docs
            pub async fn from_module(
                module: &::wasm_plugin_runtime::Module
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                Self::builder(module.loader()) #with_host .from_module_async(module).await
            }
        }
    } else {
        quote! {
            #load_file_docs
            pub fn load(
                loader: &::wasm_plugin_runtime::Loader,
                path: impl ::core::convert::AsRef<::std::path::Path>
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                Self::builder(loader) #with_host .load(path)
            }

            #load_bytes_docs
            pub fn load_bytes(
                loader: &::wasm_plugin_runtime::Loader,
                wasm: &[u8]
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                Self::builder(loader) #with_host .load_bytes(wasm)
            }

            #from_module_docs
            pub fn from_module(
                module: &::wasm_plugin_runtime::Module
                #host_param
            ) -> ::core::result::Result<Self, ::wasm_plugin_runtime::Error> {
                Self::builder(module.loader()) #with_host .from_module(module)
            }
        }
    };
    let async_const = if async_calls {
        quote! { const ASYNC: bool = true; }
    } else {
        quote! {}
    };

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

            #loaders

            /// Loads a plugin as this service with grants and host functions of its own, or
            /// under a name of its own.
            pub fn builder(
                loader: &::wasm_plugin_runtime::Loader,
            ) -> ::wasm_plugin_runtime::PluginBuilder<Self> {
                ::wasm_plugin_runtime::PluginBuilder::new(loader)
            }

            /// A handle to the same plugin whose calls carry `context`: values for host
            /// functions, a cancellation token, a timeout.
            pub fn with_context(&self, context: ::wasm_plugin_runtime::CallContext) -> Self {
                Self {
                    plugin: self.plugin.with_context(context),
                }
            }

            #(#methods)*
        }

        impl ::wasm_plugin_runtime::codegen::TypedPlugin for #handle {
            const INTERFACE: &'static ::wasm_plugin_runtime::codegen::Interface =
                &::wasm_plugin_runtime::codegen::Interface {
                    service: #name,
                    version: #version,
                    api_version_export: #api_export,
                    methods: &[#(#descriptions),*],
                };
            #async_const

            fn from_plugin(plugin: ::wasm_plugin_runtime::Plugin) -> Self {
                Self { plugin }
            }
        }

        impl ::core::convert::AsRef<::wasm_plugin_runtime::Plugin> for #handle {
            fn as_ref(&self) -> &::wasm_plugin_runtime::Plugin {
                &self.plugin
            }
        }
    })
}

/// One `#[doc]` attribute per line, as `///` comments are.
fn doc_lines(text: &str) -> TokenStream {
    let lines = text.lines().map(|line| format!(" {line}"));
    quote! { #(#[doc = #lines])* }
}

/// A protobuf type's full name, without prost's leading dot: `greeting.GreetRequest`.
fn proto_name(proto_type: &str) -> &str {
    proto_type.strip_prefix('.').unwrap_or(proto_type)
}

pub(super) fn host(
    service: &Service,
    plan: &HostPlan,
    async_calls: bool,
) -> Result<TokenStream, Error> {
    let trait_name = ident(&service.name);
    let module = &plan.module;
    let implement = if async_calls {
        "\n\nImplement the functions with `async fn`: while one awaits, the plugin's call is\n\
         suspended and its thread is free; the call's deadline and cancellation end the wait."
    } else {
        ""
    };
    let trait_docs = doc_paragraph(
        &service.comments,
        &format!(
            "Host functions that plugins import from the module `{module}`: implement the trait and\n\
             pass the implementation to the plugin's `load` (or, as a library of host functions,\n\
             `into_host_module()` to `builder(..).host_module` or `Grants::host_module`). Each\n\
             function gets the calling plugin's [`HostContext`](::wasm_plugin_runtime::HostContext).{implement}"
        ),
    );

    let mut methods = Vec::new();
    let mut functions = Vec::new();
    for (method, import) in service.methods.iter().zip(&plan.imports) {
        let method_name = ident(&method.name);
        let input = rust_type(&method.input_type)?;
        let output = rust_type(&method.output_type)?;
        let method_docs = docs(&method.comments);
        let request_name = proto_name(&method.input_proto_type);
        if async_calls {
            methods.push(quote! {
                #method_docs
                fn #method_name(
                    &self,
                    context: &::wasm_plugin_runtime::HostContext<'_>,
                    request: #input,
                ) -> impl ::core::future::Future<
                    Output = ::core::result::Result<#output, ::wasm_plugin_runtime::HostError>,
                > + ::core::marker::Send;
            });
            functions.push(quote! {
                .function_async(#import, #request_name, {
                    let host = ::std::sync::Arc::clone(&host);
                    move |context, request| {
                        let host = ::std::sync::Arc::clone(&host);
                        ::std::boxed::Box::pin(async move {
                            host.#method_name(&context, request).await
                        })
                    }
                })
            });
        } else {
            methods.push(quote! {
                #method_docs
                fn #method_name(
                    &self,
                    context: &::wasm_plugin_runtime::HostContext<'_>,
                    request: #input,
                ) -> ::core::result::Result<#output, ::wasm_plugin_runtime::HostError>;
            });
            functions.push(quote! {
                .function(#import, #request_name, {
                    let host = ::std::sync::Arc::clone(&host);
                    move |context, request| host.#method_name(context, request)
                })
            });
        }
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
