//! The `staffgraph` binary: everything lives in the `api` crate.

/// mimalloc, not the system allocator: a GraphQL response is thousands of small allocations
/// (the value tree, its JSON), and glibc's malloc was a fifth of the server's CPU under load
/// (`perf`, the principal's page) and kept its per-thread arenas' memory (BENCHMARKS.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    api::cli::main().await
}
