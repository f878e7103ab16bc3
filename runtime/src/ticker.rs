//! The thread that advances the engine's epoch: deadlines and cancellation cost no timer per call,
//! only a counter the compiled code checks.

use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use wasmtime::Engine;

/// How often the epoch advances: a call that must stop stops within about this long.
pub(crate) const TICK: Duration = Duration::from_millis(1);

/// Advances an engine's epoch every [`TICK`] until dropped.
pub(crate) struct EpochTicker {
    /// Dropping the sender stops the thread.
    _stop: Sender<()>,
}

impl EpochTicker {
    pub(crate) fn start(engine: &Engine) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let engine = engine.clone();
        std::thread::Builder::new()
            .name("wasm-plugin-epoch".into())
            .spawn(move || {
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    engine.increment_epoch();
                }
            })?;
        Ok(Self { _stop: stop })
    }
}
