//! One plugin, loaded twice on one loader with different grants: a trusted instance that may
//! read the team's files, and an untrusted one that sees public files only and has a budget.
//! Host functions know which of them calls, and for which request; a long call is cancelled
//! from another thread.

mod tasks {
    wasm_plugin_runtime::include_proto!("tasks");
}

use std::path::Path;
use std::time::Duration;

use tasks::{CrunchRequest, Host, LogLine, SummarizeRequest, TasksPlugin};
use wasm_plugin_runtime::{
    CallContext, CancelToken, DirAccess, Error, Grants, HostContext, HostError, Loader,
};

/// What the host attaches to a call.
struct RequestId(u64);

/// Prints each log line with the plugin and the request it came from.
struct Console;

impl Host for Console {
    fn log(&self, context: &HostContext<'_>, request: LogLine) -> Result<(), HostError> {
        let id = context.get::<RequestId>().map_or(0, |id| id.0);
        println!("[{} #{id}] {}", context.plugin(), request.text);
        Ok(())
    }
}

/// The outcome of a call, in one line.
fn outcome(result: Result<tasks::Summary, Error>) -> String {
    match result {
        Ok(summary) => summary.text,
        Err(Error::Plugin { message, .. }) => format!("refused: {message}"),
        Err(Error::FuelExhausted { fuel, .. }) => format!("stopped: out of its {fuel} fuel"),
        Err(Error::Cancelled { .. }) => "stopped: cancelled".to_owned(),
        Err(Error::DeadlineExceeded { deadline, .. }) => {
            format!("stopped: past its deadline of {deadline:?}")
        }
        Err(other) => format!("failed: {other}"),
    }
}

fn main() -> anyhow::Result<()> {
    let path = std::env::args()
        .nth(1)
        .ok_or_else(|| anyhow::anyhow!("usage: example-grants PLUGIN.wasm"))?;
    // In the runfiles under Bazel (its launcher sets RUNFILES_DIR); next to the sources under
    // Cargo.
    let testdata = match std::env::var_os("RUNFILES_DIR") {
        Some(runfiles) => Path::new(&runfiles).join("rules_wasm_plugin/examples/grants/testdata"),
        None => Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata"),
    };
    // Budgets need a loader that counts fuel; everything else is per plugin.
    let loader = Loader::builder().fuel_metering(true).build()?;
    let module = loader.compile_file(&path)?;
    let trusted = TasksPlugin::builder(&loader)
        .name("trusted")
        .grants(
            Grants::new()
                .preopened_dir(testdata.join("trusted"), "/data", DirAccess::ReadOnly)
                .env("ROLE", "analyst"),
        )
        .host_module(Console.into_host_module())
        .from_module(&module)?;
    let untrusted = TasksPlugin::builder(&loader)
        .name("untrusted")
        .grants(
            Grants::new()
                .preopened_dir(testdata.join("public"), "/data", DirAccess::ReadOnly)
                .deadline(Duration::from_secs(10))
                .memory_limit(16 << 20)
                .fuel(50_000_000),
        )
        .host_module(Console.into_host_module())
        .from_module(&module)?;

    for (name, plugin, id) in [("trusted", &trusted, 1), ("untrusted", &untrusted, 2)] {
        let plugin = plugin.with_context(CallContext::new().value(RequestId(id)));
        let summary = plugin.summarize(SummarizeRequest {
            file: "report.txt".into(),
        });
        println!("{name} summary: {}", outcome(summary));
    }

    // Work that never ends: the budget stops the untrusted plugin, a cancellation the other.
    let forever = CrunchRequest { rounds: u64::MAX };
    println!("untrusted crunch: {}", outcome(untrusted.crunch(forever)));
    let token = CancelToken::new();
    let canceller = {
        let token = token.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            token.cancel();
        })
    };
    let cancellable = trusted.with_context(CallContext::new().cancel_token(token));
    println!("trusted crunch: {}", outcome(cancellable.crunch(forever)));
    canceller.join().expect("the canceller");
    // Stopped calls leave the plugin usable: a fresh instance answers.
    println!(
        "trusted crunch, short: {}",
        outcome(trusted.crunch(CrunchRequest { rounds: 3 }))
    );
    Ok(())
}
