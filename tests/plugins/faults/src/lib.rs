//! Misbehaves on request, to show that the host survives every kind of failure. Also exports
//! hand-written functions (service `raw.Raw`) that break the binary interface.

use std::cell::Cell;

mod faults {
    wasm_plugin_guest::include_proto!("faults");
}

use faults::{Amount, Faults, Text};
use wasm_plugin_guest::Error;

struct Plugin;

thread_local! {
    static CALLS: Cell<u64> = const { Cell::new(0) };
}

/// Small frames on WebAssembly's own call stack (not the shadow stack in linear memory), so
/// that deep recursion exhausts the call stack.
fn recurse(depth: u64) -> u64 {
    if depth == 0 {
        return 0;
    }
    std::hint::black_box(recurse(std::hint::black_box(depth - 1))) + 1
}

impl Faults for Plugin {
    fn panic(&self, request: Text) -> Result<Text, Error> {
        panic!("{}", request.text)
    }

    fn spin(&self, request: Text) -> Result<Text, Error> {
        let mut spins = 0u64;
        while std::hint::black_box(!request.text.is_empty() || spins < u64::MAX) {
            spins = spins.wrapping_add(1);
        }
        Ok(request)
    }

    fn hog(&self, request: Amount) -> Result<Amount, Error> {
        let kept = vec![1u8; request.value as usize];
        let len = kept.len() as u64;
        std::mem::forget(kept);
        Ok(Amount { value: len })
    }

    fn recurse(&self, request: Amount) -> Result<Amount, Error> {
        Ok(Amount {
            value: recurse(request.value),
        })
    }

    fn exit(&self, request: Amount) -> Result<Amount, Error> {
        std::process::exit(request.value as i32)
    }

    fn count(&self, _request: Text) -> Result<Amount, Error> {
        let value = CALLS.get() + 1;
        CALLS.set(value);
        Ok(Amount { value })
    }

    fn print(&self, request: Text) -> Result<Text, Error> {
        println!("out: {}", request.text);
        eprintln!("err: {}", request.text);
        Ok(request)
    }

    fn getenv(&self, request: Text) -> Result<Text, Error> {
        Ok(Text {
            text: std::env::var(&request.text)?,
        })
    }

    fn read_file(&self, request: Text) -> Result<Text, Error> {
        Ok(Text {
            text: std::fs::read_to_string(&request.text)?,
        })
    }

    fn write_file(&self, request: Text) -> Result<Text, Error> {
        std::fs::write(&request.text, "written by the plugin")?;
        Ok(request)
    }

    fn sleep(&self, request: Amount) -> Result<Amount, Error> {
        let started = std::time::Instant::now();
        std::thread::sleep(std::time::Duration::from_millis(request.value));
        Ok(Amount {
            value: started.elapsed().as_millis() as u64,
        })
    }

    fn args(&self, _request: Text) -> Result<Text, Error> {
        Ok(Text {
            text: std::env::args().collect::<Vec<_>>().join(" "),
        })
    }
}

wasm_plugin_guest::register!(Faults => Plugin);

/// Exports of `raw.Raw`, written against the binary interface directly.
mod raw {
    unsafe extern "C" {
        fn malloc(size: usize) -> *mut u8;
    }

    fn to_host(bytes: &[u8], flags: u32) -> u64 {
        // SAFETY: malloc returns a block of the requested size; the host frees it.
        unsafe {
            let ptr = malloc(bytes.len());
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), ptr, bytes.len());
            ((ptr as usize as u64) << 32) | bytes.len() as u64 | u64::from(flags)
        }
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn raw_api_version() -> u64 {
        1
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn raw_out_of_range(_ptr: u32, _len: u32) -> u64 {
        (u64::from(u32::MAX - 16) << 32) | 64
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn raw_garbage(_ptr: u32, _len: u32) -> u64 {
        // A truncated varint: no valid message starts like this.
        to_host(&[0x0a, 0xff, 0xff], 0)
    }

    #[unsafe(no_mangle)]
    pub extern "C" fn raw_bad_utf8_error(_ptr: u32, _len: u32) -> u64 {
        to_host(&[b'b', b'a', b'd', b' ', 0xff, 0xfe], 1 << 31)
    }
}
