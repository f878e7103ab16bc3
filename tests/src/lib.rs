//! Host-side code generated from `tests/proto`, and the test plugins built from
//! `tests/plugins`, shared by the integration tests in `tests/tests`.

use std::path::PathBuf;
use std::sync::OnceLock;

include!(concat!(env!("OUT_DIR"), "/wasm_plugin.rs"));

/// Every test plugin, built in one cargo invocation.
const PLUGINS: [&str; 9] = [
    "fields",
    "wellknown",
    "imports",
    "extras",
    "hostfn",
    "faults",
    "mismatch",
    "unregistered",
    "shaped",
];

/// The `.wasm` of the test plugin `tests/plugins/<name>`: the file named by the environment
/// variable `WASM_PLUGIN_<NAME>` when it is set (Bazel builds the plugins and sets it), else
/// built with cargo on first use.
pub fn wasm_file(name: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(format!("WASM_PLUGIN_{}", name.to_uppercase())) {
        return PathBuf::from(path);
    }
    static BUILT: OnceLock<Vec<PathBuf>> = OnceLock::new();
    let built = BUILT.get_or_init(|| {
        let packages: Vec<String> = PLUGINS.iter().map(|p| format!("test-plugin-{p}")).collect();
        let packages: Vec<&str> = packages.iter().map(String::as_str).collect();
        wasm_plugin_testing::build_plugins(&packages)
    });
    let index = PLUGINS
        .iter()
        .position(|p| *p == name)
        .unwrap_or_else(|| panic!("no test plugin {name}"));
    built[index].clone()
}

/// A loader with the default sandbox.
pub fn loader() -> wasm_plugin_runtime::Loader {
    wasm_plugin_runtime::Loader::new().expect("default loader")
}

/// Host functions of `hostfn.proto`, as several tests implement them.
pub mod hosts {
    use std::sync::atomic::{AtomicU64, Ordering};
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use crate::hostfn::{
        CountReply, HostFunctions, LogRequest, LookupRequest, ParseJsonRequest, ParseJsonResponse,
        Person,
    };
    use wasm_plugin_runtime::{HostContext, HostError};

    /// What a host attaches to calls in the tests: a request id.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct RequestId(pub u64);

    /// Reads `{"name": ..., "age": ...}`.
    pub fn parse_json(request: ParseJsonRequest) -> Result<ParseJsonResponse, HostError> {
        let json: serde_json::Value = serde_json::from_slice(&request.content)?;
        Ok(ParseJsonResponse {
            response: Some(Person {
                name: json["name"].as_str().unwrap_or_default().to_owned(),
                age: json["age"].as_i64().unwrap_or_default(),
            }),
        })
    }

    /// Knows Sato, aged 42; anyone else is an error the plugin receives.
    pub fn lookup(request: LookupRequest) -> Result<Person, HostError> {
        match request.name.as_str() {
            "Sato" => Ok(Person {
                name: "Sato".into(),
                age: 42,
            }),
            other => Err(HostError::new(format!("nobody called {other} lives here"))),
        }
    }

    /// Host functions that record what they see: each `Log` as `PLUGIN #ID: MESSAGE` (the
    /// calling plugin and the call's request id, `-` without one), and the number of `Count`
    /// calls, each of which takes `count_delay`.
    #[derive(Clone, Default)]
    pub struct Recorder {
        pub log: Arc<Mutex<Vec<String>>>,
        pub count: Arc<AtomicU64>,
        pub count_delay: Duration,
    }

    impl HostFunctions for Recorder {
        fn parse_json(
            &self,
            _context: &HostContext<'_>,
            request: ParseJsonRequest,
        ) -> Result<ParseJsonResponse, HostError> {
            parse_json(request)
        }

        fn lookup(
            &self,
            _context: &HostContext<'_>,
            request: LookupRequest,
        ) -> Result<Person, HostError> {
            lookup(request)
        }

        fn log(&self, context: &HostContext<'_>, request: LogRequest) -> Result<(), HostError> {
            let id = context
                .get::<RequestId>()
                .map_or_else(|| "-".to_owned(), |id| id.0.to_string());
            self.log.lock().unwrap().push(format!(
                "{} #{id}: {}",
                context.plugin(),
                request.message
            ));
            Ok(())
        }

        fn count(&self, _context: &HostContext<'_>, _request: ()) -> Result<CountReply, HostError> {
            std::thread::sleep(self.count_delay);
            Ok(CountReply {
                count: self.count.fetch_add(1, Ordering::SeqCst) + 1,
            })
        }
    }
}
