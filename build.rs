//! Compiles `proto/` (flagd's sync service) with protox, a protobuf compiler in Rust, so the
//! build needs nothing but cargo.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto");
    let files = protox::compile(["flagd/sync/v1/sync.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_transport(false)
        .build_server(true)
        .compile_fds(files)?;
    Ok(())
}
