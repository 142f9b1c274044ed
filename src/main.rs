//! The `staffgraph` binary: everything lives in the `api` crate.

#[tokio::main]
async fn main() -> std::process::ExitCode {
    api::cli::main().await
}
