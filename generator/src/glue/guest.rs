//! Glue for the plugin side (`wasm32-wasip1`): a trait per plugin service with its exports, and a
//! struct per host service whose methods call the imports.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use prost_build::Service;
use quote::{format_ident, quote};

use super::{doc_paragraph, docs, full_name, ident, rust_type};
use crate::plan::{HostPlan, PluginPlan};
use crate::Error;

pub(super) fn plugin(service: &Service, plan: &PluginPlan) -> Result<TokenStream, Error> {
    let name = full_name(service);
    let trait_name = ident(&service.name);
    let version = proc_macro2::Literal::u64_unsuffixed(plan.version);
    let version_const = format_ident!("{}_API_VERSION", service.name.to_shouty_snake_case());
    let api_export = &plan.api_version_export;
    let api_fn = format_ident!("__{}", plan.api_version_export);
    let trait_docs = doc_paragraph(
        &service.comments,
        &format!(
            "The plugin implements this service: implement the trait and register it with\n\
             `wasm_plugin_guest::register!({trait_name} => MyPlugin);`."
        ),
    );

    let mut methods = Vec::new();
    let mut exports = Vec::new();
    for (method, export) in service.methods.iter().zip(&plan.method_exports) {
        let method_name = ident(&method.name);
        let input = rust_type(&method.input_type)?;
        let output = rust_type(&method.output_type)?;
        let method_docs = docs(&method.comments);
        methods.push(quote! {
            #method_docs
            fn #method_name(&self, request: #input) -> ::core::result::Result<#output, ::wasm_plugin_guest::Error>;
        });
        let export_fn = format_ident!("__{}", export);
        exports.push(quote! {
            #[doc(hidden)]
            #[unsafe(export_name = #export)]
            pub extern "C" fn #export_fn(ptr: u32, len: u32) -> u64 {
                // SAFETY: the host calls the export as docs/abi.md says.
                unsafe {
                    ::wasm_plugin_guest::codegen::serve::<dyn #trait_name, _, _>(ptr, len, <dyn #trait_name>::#method_name)
                }
            }
        });
    }

    let version_doc = format!(" The interface version of `{name}` this plugin implements.");
    Ok(quote! {
        #trait_docs
        pub trait #trait_name {
            #(#methods)*
        }

        #[doc = #version_doc]
        pub const #version_const: u64 = #version;

        impl ::wasm_plugin_guest::codegen::Service for dyn #trait_name {
            const NAME: &'static str = #name;

            fn slot() -> &'static ::wasm_plugin_guest::codegen::Slot<Self> {
                ::wasm_plugin_guest::codegen::service_slot!(dyn #trait_name)
            }
        }

        #[doc(hidden)]
        #[unsafe(export_name = #api_export)]
        pub extern "C" fn #api_fn() -> u64 {
            #version_const
        }

        #(#exports)*
    })
}

pub(super) fn host(service: &Service, plan: &HostPlan) -> Result<TokenStream, Error> {
    let struct_name = ident(&service.name);
    let imports_mod = format_ident!("__{}_imports", heck::AsSnakeCase(&service.name).to_string());
    let module = &plan.module;
    let struct_docs = doc_paragraph(
        &service.comments,
        "The host implements these functions; the plugin calls them through this struct.",
    );

    let mut methods = Vec::new();
    let mut imports = Vec::new();
    for (method, import) in service.methods.iter().zip(&plan.imports) {
        let method_name = ident(&method.name);
        // Prefixed: an import name can be a Rust keyword (`type`, `match`).
        let import_fn = format_ident!("__{}", import);
        let input = rust_type(&method.input_type)?;
        let output = rust_type(&method.output_type)?;
        let method_docs = docs(&method.comments);
        methods.push(quote! {
            #method_docs
            pub fn #method_name(
                &self,
                request: impl ::std::borrow::Borrow<#input>,
            ) -> ::core::result::Result<#output, ::wasm_plugin_guest::Error> {
                // SAFETY: the import is the host function of this rpc, which follows docs/abi.md.
                unsafe { ::wasm_plugin_guest::codegen::call_host(#imports_mod::#import_fn, request.borrow()) }
            }
        });
        imports.push(quote! {
            #[link_name = #import]
            pub fn #import_fn(ptr: u32, len: u32) -> u64;
        });
    }

    Ok(quote! {
        #struct_docs
        #[derive(Clone, Copy, Debug, Default)]
        pub struct #struct_name;

        #[allow(dead_code, reason = "a plugin calls the host functions it needs")]
        impl #struct_name {
            /// Host functions of this plugin.
            pub fn new() -> Self {
                Self
            }

            #(#methods)*
        }

        #[doc(hidden)]
        mod #imports_mod {
            #[link(wasm_import_module = #module)]
            unsafe extern "C" {
                #(#imports)*
            }
        }
    })
}
