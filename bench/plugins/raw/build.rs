//! Plain prost messages for the bench protocol.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let fds = protox::compile(["bench.proto"], ["../../proto"])?;
    let mut config = prost_build::Config::new();
    config.compile_fds(fds)?;
    println!("cargo:rerun-if-changed=../../proto/bench.proto");
    Ok(())
}
