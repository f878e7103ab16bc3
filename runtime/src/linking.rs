//! Linking a plugin: the linker every plugin of a loader starts from (WASI), the checks of a
//! module's exports and imports at load time, and the host functions it calls, which answer in
//! buffers from its own `malloc`.

use std::fmt;
use std::sync::Arc;

use wasmtime::{Caller, ExternType, FuncType, Linker, ValType};

use crate::abi::{self, Payload, ERROR_FLAG};
use crate::host::{HostCallError, HostFunction, HostModule};
use crate::interface::Interface;
use crate::store::{GuestExports, Mode, StoreData};
use crate::wait::{unless, Wait};
use crate::Error;

/// A linker with WASI, shared by a loader's plugins, which add their host functions to a copy.
/// Sleeping through WASI ends at the call's deadline or cancellation (`wasi_poll`).
pub(crate) fn wasi_linker(
    engine: &wasmtime::Engine,
    mode: Mode,
) -> Result<Linker<StoreData>, Error> {
    fn wasi(state: &mut StoreData) -> &mut wasmtime_wasi::p1::WasiP1Ctx {
        &mut state.wasi
    }
    let mut linker = Linker::<StoreData>::new(engine);
    match mode {
        Mode::Blocking => wasmtime_wasi::p1::add_to_linker_sync(&mut linker, wasi),
        Mode::Async => wasmtime_wasi::p1::add_to_linker_async(&mut linker, wasi),
    }
    .map_err(|error| Error::Config(format!("cannot link WASI: {error:#}")))?;
    crate::wasi_poll::link(&mut linker, mode)?;
    Ok(linker)
}

/// A host function failed and the guest cannot receive the error (go-plugin behaviour).
#[derive(Debug)]
pub(crate) struct HostFunctionFailed {
    pub import: String,
    pub message: String,
}

impl fmt::Display for HostFunctionFailed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "host function {} failed: {}", self.import, self.message)
    }
}

impl std::error::Error for HostFunctionFailed {}

/// The guest broke the interface inside a host function call.
#[derive(Debug)]
pub(crate) struct GuestFault(pub String);

impl fmt::Display for GuestFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuestFault {}

/// The non-WASI imports of a module, in order: the host functions it calls, as
/// `(module, name)`. A plugin's host functions are looked up in this order once, at load.
pub(crate) fn host_imports(module: &wasmtime::Module) -> Vec<(String, String)> {
    module
        .imports()
        .filter(|import| import.module() != "wasi_snapshot_preview1")
        .map(|import| (import.module().to_owned(), import.name().to_owned()))
        .collect()
}

/// A linker for `module`: the loader's WASI linker with a trampoline for each host function the
/// module imports. The trampolines call the functions of the instance's plugin
/// ([`StoreData::host_functions`]), so one linker, and one pre-instantiated module, serves every
/// plugin of the module, whatever host functions each was given.
pub(crate) fn module_linker(
    wasi_linker: &Linker<StoreData>,
    imports: &[(String, String)],
    mode: Mode,
) -> Result<Linker<StoreData>, Error> {
    let mut linker = wasi_linker.clone();
    for (index, (module, name)) in imports.iter().enumerate() {
        let import: Arc<str> = format!("{module}.{name}").into();
        match mode {
            Mode::Blocking => linker.func_wrap(
                module,
                name,
                move |mut caller: Caller<'_, StoreData>,
                      ptr: u32,
                      len: u32|
                      -> wasmtime::Result<u64> {
                    call_host_function(&mut caller, index, &import, ptr, len)
                },
            ),
            Mode::Async => linker.func_wrap_async(
                module,
                name,
                move |mut caller: Caller<'_, StoreData>, (ptr, len): (u32, u32)| {
                    let import = Arc::clone(&import);
                    Box::new(async move {
                        call_host_function_async(&mut caller, index, &import, ptr, len).await
                    })
                },
            ),
        }
        .map_err(|error| {
            Error::Config(format!(
                "cannot define host function {module}.{name}: {error:#}"
            ))
        })?;
    }
    Ok(linker)
}

/// The host functions a plugin that imports `imports` calls, in import order, from its host
/// modules (checked by [`check_imports`] before).
pub(crate) fn resolve_host_functions(
    imports: &[(String, String)],
    hosts: &[&HostModule],
) -> Vec<HostFunction> {
    imports
        .iter()
        .filter_map(|(module, name)| {
            hosts
                .iter()
                .filter(|host| host.name == *module)
                .flat_map(|host| &host.functions)
                .find(|(function, _)| function == name)
                .map(|(_, function)| function.clone())
        })
        .collect()
}

/// Runs host function `index` of the instance's plugin for the guest: read its request, answer
/// in a buffer from its `malloc`.
fn call_host_function(
    caller: &mut Caller<'_, StoreData>,
    index: usize,
    import: &str,
    ptr: u32,
    len: u32,
) -> wasmtime::Result<u64> {
    let (guest, functions) = take_host_state(caller, import)?;
    let answer = (|| {
        let HostFunction::Blocking(function) = host_function(&functions, index, import)? else {
            return Err(async_in_blocking_call(import));
        };
        let result = {
            let request = request_bytes(caller, &guest, import, ptr, len)?;
            function(&caller.data().host_context(), request)
        };
        let (bytes, flags) = reply(caller.data().level, result, import)?;
        if bytes.is_empty() {
            return Ok(abi::pack(0, flags));
        }
        let len = reply_len(&bytes)?;
        let ptr = guest.malloc.call(&mut *caller, len)?;
        place_reply(caller, &guest, &bytes, ptr, flags)
    })();
    put_host_state(caller, guest, functions)?;
    answer
}

/// [`call_host_function`] for plugins that run async: async host functions are awaited (until
/// the call's deadline or cancellation); blocking ones run on the polling thread.
async fn call_host_function_async(
    caller: &mut Caller<'_, StoreData>,
    index: usize,
    import: &str,
    ptr: u32,
    len: u32,
) -> wasmtime::Result<u64> {
    let (guest, functions) = take_host_state(caller, import)?;
    let answer = async {
        let result = match host_function(&functions, index, import)? {
            HostFunction::Blocking(function) => {
                let request = request_bytes(caller, &guest, import, ptr, len)?;
                function(&caller.data().host_context(), request)
            }
            HostFunction::Async(function) => {
                let outcome = {
                    let data = caller.data();
                    let wait = Wait::new(&data.clock, data.deadline(), data.call.token());
                    let request = request_bytes(caller, &guest, import, ptr, len)?;
                    match function(data.host_context(), request) {
                        Ok(future) => unless(future, wait).await.map(|result| {
                            result.map_err(|error| HostCallError::Failed(error.message().into()))
                        }),
                        Err(error) => Some(Err(error)),
                    }
                };
                let Some(result) = outcome else {
                    // Past the deadline (by the real clock: the coarse one may be a tick behind
                    // the timer), or cancelled.
                    caller.data_mut().check_precisely()?;
                    return Err(wasmtime::Error::new(wasmtime::Trap::Interrupt));
                };
                result
            }
        };
        let (bytes, flags) = reply(caller.data().level, result, import)?;
        if bytes.is_empty() {
            return Ok(abi::pack(0, flags));
        }
        let len = reply_len(&bytes)?;
        let ptr = guest.malloc.call_async(&mut *caller, len).await?;
        place_reply(caller, &guest, &bytes, ptr, flags)
    }
    .await;
    put_host_state(caller, guest, functions)?;
    answer
}

/// The exports and host functions a host function call needs, taken out of the store for the
/// call (moving is free, cloning touches reference counts).
fn take_host_state(
    caller: &mut Caller<'_, StoreData>,
    import: &str,
) -> wasmtime::Result<(GuestExports, Arc<[HostFunction]>)> {
    let data = caller.data_mut();
    // Host functions see the deadline (and may wait until it): count it from now at the latest.
    data.arm_deadline();
    match (data.guest.take(), data.host_functions.take()) {
        (Some(guest), Some(functions)) => Ok((guest, functions)),
        (guest, functions) => {
            data.guest = guest;
            data.host_functions = functions;
            Err(wasmtime::Error::new(GuestFault(format!(
                "{import} was called before the plugin was initialised"
            ))))
        }
    }
}

/// Puts back what [`take_host_state`] took, and ends the call if its deadline passed or it was
/// cancelled meanwhile: the deadline covers time in host functions too.
fn put_host_state(
    caller: &mut Caller<'_, StoreData>,
    guest: GuestExports,
    functions: Arc<[HostFunction]>,
) -> wasmtime::Result<()> {
    let data = caller.data_mut();
    data.guest = Some(guest);
    data.host_functions = Some(functions);
    data.check()
}

fn host_function<'f>(
    functions: &'f [HostFunction],
    index: usize,
    import: &str,
) -> wasmtime::Result<&'f HostFunction> {
    functions.get(index).ok_or_else(|| {
        wasmtime::Error::new(GuestFault(format!(
            "{import} has no host function (the plugin was linked for other imports)"
        )))
    })
}

fn async_in_blocking_call(import: &str) -> wasmtime::Error {
    wasmtime::Error::new(GuestFault(format!(
        "{import} is an async host function, but the plugin was loaded for blocking calls"
    )))
}

/// The request the guest passed to a host function, checked against its memory.
fn request_bytes<'c>(
    caller: &'c Caller<'_, StoreData>,
    guest: &GuestExports,
    import: &str,
    ptr: u32,
    len: u32,
) -> wasmtime::Result<&'c [u8]> {
    let memory = guest.memory.data(caller);
    let request = Payload {
        ptr,
        len,
        is_error: false,
    };
    let range = request.range(memory.len()).ok_or_else(|| {
        GuestFault(format!(
            "the plugin passed a request of {len} bytes at offset {ptr} to {import}, \
             outside its {}-byte memory",
            memory.len()
        ))
    })?;
    Ok(&memory[range])
}

/// What the guest gets back from a host function: the response, or (from level 1 on) the
/// error as an error payload; a go-plugin guest cannot receive errors, so its call fails.
fn reply(
    level: u32,
    result: Result<Vec<u8>, HostCallError>,
    import: &str,
) -> wasmtime::Result<(Vec<u8>, u32)> {
    match result {
        Ok(response) => Ok((response, 0)),
        Err(error) if level >= 1 => Ok((error.message().as_bytes().to_vec(), ERROR_FLAG)),
        Err(error) => Err(wasmtime::Error::new(HostFunctionFailed {
            import: import.to_owned(),
            message: error.message().to_owned(),
        })),
    }
}

fn reply_len(bytes: &[u8]) -> wasmtime::Result<u32> {
    u32::try_from(bytes.len())
        .ok()
        .filter(|len| len & ERROR_FLAG == 0)
        .ok_or_else(|| {
            wasmtime::Error::new(GuestFault(format!(
                "a host function answered with {} bytes, more than 2 GiB",
                bytes.len()
            )))
        })
}

/// Copies a host function's reply into the block at `ptr` the guest's `malloc` returned.
fn place_reply(
    caller: &mut Caller<'_, StoreData>,
    guest: &GuestExports,
    bytes: &[u8],
    ptr: u32,
    flags: u32,
) -> wasmtime::Result<u64> {
    let len = reply_len(bytes)?;
    let memory = guest.memory.data_mut(&mut *caller);
    let range = Payload {
        ptr,
        len,
        is_error: false,
    }
    .range(memory.len())
    .filter(|_| ptr != 0)
    .ok_or_else(|| {
        GuestFault(format!(
            "the plugin's malloc({len}) returned the unusable offset {ptr}"
        ))
    })?;
    memory[range].copy_from_slice(bytes);
    // go-plugin's guests copy a response out and never free it (docs/abi.md).
    if flags == 0 && caller.data().level == 0 {
        caller.data_mut().abandoned.push(ptr);
    }
    Ok(abi::pack(ptr, len | flags))
}

pub(crate) fn check_exports(
    module: &wasmtime::Module,
    interface: &Interface,
    plugin: &str,
) -> Result<(), Error> {
    use ValType::{I32, I64};
    let mut required: Vec<(&str, &[ValType], &[ValType])> = vec![
        (interface.api_version_export, &[], &[I64]),
        ("malloc", &[I32], &[I32]),
        ("free", &[I32], &[]),
    ];
    for method in interface.methods {
        required.push((method.export, &[I32, I32], &[I64]));
    }
    let expected =
        |params: &[ValType], results: &[ValType]| signature(params.iter(), results.iter());
    match module.get_export("memory") {
        Some(ExternType::Memory(memory)) if !memory.is_shared() => {}
        Some(other) => {
            return Err(Error::ExportType {
                plugin: plugin.to_owned(),
                export: "memory".into(),
                expected: "a memory".into(),
                found: describe(&other),
            })
        }
        None => {
            return Err(Error::MissingExport {
                plugin: plugin.to_owned(),
                export: "memory".into(),
                hint: None,
            })
        }
    }
    // Optional exports must have the right type when present.
    for (name, params, results) in [
        ("_initialize", &[][..], &[][..]),
        (abi::LEVEL_EXPORT, &[I32], &[I32]),
    ] {
        if let Some(other) = module.get_export(name) {
            let fits = matches!(&other, ExternType::Func(func)
                if same_types(func.params(), params) && same_types(func.results(), results));
            if !fits {
                return Err(Error::ExportType {
                    plugin: plugin.to_owned(),
                    export: name.to_owned(),
                    expected: expected(params, results),
                    found: describe(&other),
                });
            }
        }
    }
    for (name, params, results) in required {
        match module.get_export(name) {
            Some(ExternType::Func(func))
                if same_types(func.params(), params) && same_types(func.results(), results) => {}
            Some(other) => {
                return Err(Error::ExportType {
                    plugin: plugin.to_owned(),
                    export: name.to_owned(),
                    expected: expected(params, results),
                    found: describe(&other),
                })
            }
            None => {
                let hint = match name {
                    "malloc" | "free" => Some(
                        "a Rust plugin exports libc's malloc and free with the linker flags \
                         --export=malloc --export=free, which wasm_plugin_build::guest() adds \
                         from build.rs",
                    ),
                    _ if name == interface.api_version_export => Some(
                        "the module does not implement this service: was it built from the same \
                         .proto file?",
                    ),
                    _ => None,
                };
                return Err(Error::MissingExport {
                    plugin: plugin.to_owned(),
                    export: name.to_owned(),
                    hint,
                });
            }
        }
    }
    Ok(())
}

pub(crate) fn check_imports(
    module: &wasmtime::Module,
    hosts: &[&HostModule],
    plugin: &str,
) -> Result<(), Error> {
    for import in module.imports() {
        let (module_name, name) = (import.module(), import.name());
        if module_name == "wasi_snapshot_preview1" {
            continue;
        }
        let provided = hosts
            .iter()
            .any(|host| host.name == module_name && host.function_names().any(|f| f == name));
        if !provided {
            let hint = if name == abi::REGISTER_SYMBOL {
                Some("the plugin never calls wasm_plugin_guest::register!".to_owned())
            } else if hosts.iter().any(|host| host.name == module_name) {
                Some(format!("the host functions of `{module_name}` have no `{name}`: are host and plugin built from the same .proto file?"))
            } else {
                Some(format!("give the plugin the host functions of module `{module_name}`: its own to the generated `load` (or PluginBuilder::host_module), a library of host functions to PluginBuilder::host_module or Grants::host_module"))
            };
            return Err(Error::MissingImport {
                plugin: plugin.to_owned(),
                import: format!("{module_name}.{name}"),
                hint,
            });
        }
        use ValType::{I32, I64};
        match import.ty() {
            ExternType::Func(func)
                if same_types(func.params(), &[I32, I32]) && same_types(func.results(), &[I64]) => {
            }
            other => {
                return Err(Error::MissingImport {
                    plugin: plugin.to_owned(),
                    import: format!("{module_name}.{name}"),
                    hint: Some(format!(
                        "the host provides it as {}, but the plugin imports it as {}",
                        signature([I32, I32].iter(), [I64].iter()),
                        describe(&other)
                    )),
                })
            }
        }
    }
    Ok(())
}

fn same_types(actual: impl ExactSizeIterator<Item = ValType>, expected: &[ValType]) -> bool {
    actual.len() == expected.len() && actual.zip(expected).all(|(a, b)| ValType::eq(&a, b))
}

fn signature<'a>(
    params: impl Iterator<Item = &'a ValType>,
    results: impl Iterator<Item = &'a ValType>,
) -> String {
    let list = |types: Vec<String>| types.join(", ");
    format!(
        "({}) -> ({})",
        list(params.map(ToString::to_string).collect()),
        list(results.map(ToString::to_string).collect())
    )
}

fn describe(ty: &ExternType) -> String {
    match ty {
        ExternType::Func(func) => describe_func(func),
        ExternType::Memory(memory) if memory.is_shared() => "a shared memory".into(),
        ExternType::Memory(_) => "a memory".into(),
        ExternType::Table(_) => "a table".into(),
        ExternType::Global(_) => "a global".into(),
        _ => "something else".into(),
    }
}

fn describe_func(func: &FuncType) -> String {
    let params: Vec<ValType> = func.params().collect();
    let results: Vec<ValType> = func.results().collect();
    signature(params.iter(), results.iter())
}
