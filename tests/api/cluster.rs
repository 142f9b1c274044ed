//! A PostgreSQL cluster a test starts and stops itself (initdb and pg_ctl on a free port, as
//! the `postgres` user), never the machine's shared server, and a streaming standby of it;
//! `staffgraph serve` as a process of its own. Runs when `STAFFGRAPH_TEST_PG_BIN` names
//! PostgreSQL's programs (e.g. `/usr/lib/postgresql/15/bin`); `.ci/run` sets it.

use crate::helpers::TEST_SECRET;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PG_BIN_ENV: &str = "STAFFGRAPH_TEST_PG_BIN";

/// A PostgreSQL cluster of the test's own, in a temporary folder, on a free port.
pub struct Cluster {
    bin: PathBuf,
    pub dir: tempfile::TempDir,
    port: u16,
}

impl Cluster {
    /// A new cluster when `STAFFGRAPH_TEST_PG_BIN` is set; else a one-line skip.
    pub fn when_asked() -> Option<Self> {
        let Some(bin) = std::env::var_os(PG_BIN_ENV) else {
            eprintln!("skipped: set {PG_BIN_ENV} to PostgreSQL's programs (e.g. /usr/lib/postgresql/15/bin)");
            return None;
        };
        Some(Self::init(Path::new(&bin)))
    }

    /// `initdb` of a new cluster (trust authentication, no fsync); not started.
    fn init(bin: &Path) -> Self {
        let cluster = Self::empty(bin);
        let data = cluster.data();
        cluster.run(
            "initdb",
            &["-D", &data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"],
        );
        cluster
    }

    /// A streaming standby of `primary` (running): `pg_basebackup -R` of it, started on a port
    /// of its own; it replays the primary's writes within moments and refuses writes itself.
    pub fn standby_of(primary: &Cluster) -> Self {
        let standby = Self::empty(&primary.bin);
        let data = standby.data();
        let port = primary.port.to_string();
        standby.run(
            "pg_basebackup",
            &[
                "-h",
                "127.0.0.1",
                "-p",
                &port,
                "-U",
                "postgres",
                "-D",
                &data,
                "-R",
                "-X",
                "stream",
                "--checkpoint=fast",
                "--no-sync",
            ],
        );
        standby.start();
        standby
    }

    /// A folder and a port for a cluster, the folder owned by the `postgres` user.
    fn empty(bin: &Path) -> Self {
        let dir = tempfile::Builder::new().prefix("staffgraph-pg-").tempdir().unwrap();
        let port = free_port();
        let cluster = Self {
            bin: bin.to_owned(),
            dir,
            port,
        };
        if running_as_root() {
            // initdb refuses root: the cluster belongs to the postgres user.
            let status = Command::new("chown")
                .arg("postgres")
                .arg(cluster.dir.path())
                .status()
                .unwrap();
            assert!(status.success(), "chown postgres {}", cluster.dir.path().display());
        }
        cluster
    }

    fn data(&self) -> String {
        self.dir.path().join("data").display().to_string()
    }

    /// Runs one of PostgreSQL's programs as the cluster's owner; panics with its output when
    /// it fails.
    fn run(&self, program: &str, args: &[&str]) {
        let path = self.bin.join(program);
        let mut command = if running_as_root() {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(&path);
            command
        } else {
            Command::new(&path)
        };
        let output = command.args(args).output().unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            output.status.success(),
            "{program} {args:?} failed:\n{}\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    pub fn start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let log = self.dir.path().join("postgres.log").display().to_string();
        self.run(
            "pg_ctl",
            &["-D", &self.data(), "-o", &options, "-l", &log, "-w", "start"],
        );
    }

    pub fn stop(&self) {
        self.run("pg_ctl", &["-D", &self.data(), "-m", "fast", "-w", "stop"]);
    }

    /// `staffgraph seed` of the demo district into the running cluster.
    pub fn seed(&self) {
        let seeded = Command::new(env!("CARGO_BIN_EXE_staffgraph"))
            .arg("seed")
            .env("DATABASE_URL", self.url())
            .env("STAFFGRAPH_LOG", "warn")
            .output()
            .unwrap();
        assert!(seeded.status.success(), "{}", String::from_utf8_lossy(&seeded.stderr));
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        let data = self.data();
        let path = self.bin.join("pg_ctl");
        let _ = if running_as_root() {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&path)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        } else {
            Command::new(&path)
                .args(["-D", &data, "-m", "immediate", "stop"])
                .output()
        };
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `staffgraph serve` on `database_url`, its log in `log`.
pub fn serve(database_url: &str, port: u16, log: &Path) -> Child {
    serve_with(database_url, port, log, &[])
}

/// [`serve`] with more environment variables.
pub fn serve_with(database_url: &str, port: u16, log: &Path, env: &[(&str, &str)]) -> Child {
    let file = std::fs::File::create(log).unwrap();
    Command::new(env!("CARGO_BIN_EXE_staffgraph"))
        .arg("serve")
        .env("DATABASE_URL", database_url)
        .env("STAFFGRAPH_BIND", format!("127.0.0.1:{port}"))
        .env("STAFFGRAPH_JWT_SECRET", TEST_SECRET)
        .env("STAFFGRAPH_LOG", "info")
        .env("STAFFGRAPH_LOG_FORMAT", "json")
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(file)
        .spawn()
        .expect("staffgraph serves")
}

/// Polls `until` every 100 ms for at most `within`; whether it came true.
pub async fn eventually<F: std::future::Future<Output = bool>>(within: Duration, mut until: impl FnMut() -> F) -> bool {
    let started = Instant::now();
    while started.elapsed() < within {
        if until().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}
