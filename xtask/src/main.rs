//! `cargo xtask run|test|e2e|web|openapi`: the one place where build orchestration
//! lives. It installs what a fresh machine lacks (the wasm target, trunk, the
//! matching wasm-bindgen-cli, Chromium, the e2e packages) and says what it does.

mod dovecot;

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

type Result<T = ()> = std::result::Result<T, String>;

const TRUNK_VERSION: &str = "0.21.14";
/// Binaryen's wasm-opt from npm: trunk runs it (`data-wasm-opt="z"` in the pages) when it
/// is first on the PATH. Debian's (108) cannot read this wasm.
const BINARYEN_VERSION: &str = "132.0.0";
const E2E_ADMIN_PASSWORD: &str = "e2e-admin-password-1";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => run(&args[1..]),
        Some("test") => test(),
        Some("e2e") => web().and_then(|()| e2e(true)),
        Some("conformance") => sh("cargo", &["build", "-p", "reglament-server"]).and_then(|()| conformance()),
        Some("client") => sh("cargo", &["build", "-p", "reglament-server"]).and_then(|()| generated_client()),
        Some("web") => web(),
        Some("openapi") => openapi(),
        Some("dovecot") => local_mailbox(),
        Some("cluster") => cluster(),
        _ => {
            eprintln!(
                "usage: cargo xtask <command>\n\n  run      build the web app and run the server on SQLite (./data)\n  test     every check: fmt, clippy, tests on SQLite and PostgreSQL, web app build, e2e in Chromium\n  e2e      build the web app and run the browser tests\n  conformance  run schemathesis against a server, from the served OpenAPI document\n  client   generate a Python client from the served document and run an integrator's flow through it\n  web      build the web app into frontend/dist\n  openapi  write openapi/openapi.json from the code\n  dovecot  install and start a local IMAP server and print the settings to try the mail intake\n  cluster  three servers on one PostgreSQL behind HAProxy under load, one killed and one stopped (R-OPS)"
            );
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("xtask: {err}");
            ExitCode::FAILURE
        }
    }
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn is_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true" || v == "1")
}

fn step(name: &str) -> Instant {
    eprintln!("\n==> {name}");
    Instant::now()
}

fn done(name: &str, started: Instant) {
    eprintln!("==> {name}: done in {:.1} s", started.elapsed().as_secs_f64());
}

/// Runs a command in the repository root, failing when it fails.
fn sh(program: &str, args: &[&str]) -> Result {
    sh_in(&root(), program, args, &[])
}

fn sh_in(dir: &Path, program: &str, args: &[&str], envs: &[(&str, &str)]) -> Result {
    let status = Command::new(program)
        .args(args)
        .current_dir(dir)
        .envs(envs.iter().copied())
        .status()
        .map_err(|e| format!("cannot start {program}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{program} {} failed ({status})", args.join(" ")))
    }
}

/// The first line a command prints, or `None` when it cannot run.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program).args(args).stderr(Stdio::null()).output().ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

fn wasm_bindgen_version() -> Result<String> {
    let lock =
        std::fs::read_to_string(root().join("frontend/Cargo.lock")).map_err(|e| format!("frontend/Cargo.lock: {e}"))?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_owned());
        }
    }
    Err("wasm-bindgen is not in frontend/Cargo.lock".to_owned())
}

/// The wasm target, trunk and the wasm-bindgen-cli that matches the lock file.
fn web_toolchain() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if !installed.lines().any(|t| t == "wasm32-unknown-unknown") {
        eprintln!("installing the wasm32-unknown-unknown target");
        sh("rustup", &["target", "add", "wasm32-unknown-unknown"])?;
    }
    if output("trunk", &["--version"]).is_none_or(|v| !v.ends_with(TRUNK_VERSION)) {
        eprintln!("installing trunk {TRUNK_VERSION} (about 8 minutes on 2 cores, once)");
        sh("cargo", &["install", "trunk", "--locked", "--version", TRUNK_VERSION])?;
    }
    let wanted = wasm_bindgen_version()?;
    if output("wasm-bindgen", &["--version"]).is_none_or(|v| v.split_whitespace().nth(1) != Some(wanted.as_str())) {
        eprintln!("installing wasm-bindgen-cli {wanted} (about 3 minutes, once)");
        // Without --locked: with it the registry lacks one pinned dependency.
        sh("cargo", &["install", "wasm-bindgen-cli", "--version", &wanted])?;
    }
    Ok(())
}

/// npm, from Debian's packages when the machine has none.
fn npm() -> Result {
    if output("npm", &["--version"]).is_none() {
        eprintln!("installing Debian's nodejs and npm");
        sh("apt-get", &["install", "-y", "-qq", "nodejs", "npm"])?;
    }
    Ok(())
}

/// The directory holding binaryen's `wasm-opt`, installed from npm into target/tools.
fn binaryen() -> Result<PathBuf> {
    let dir = root().join("target/tools/binaryen");
    let bin = dir.join("node_modules/.bin");
    let wanted = format!("version {}", BINARYEN_VERSION.split('.').next().unwrap_or_default());
    let have = output(&bin.join("wasm-opt").to_string_lossy(), &["--version"]);
    if have.is_none_or(|v| !v.contains(&wanted)) {
        eprintln!("installing binaryen {BINARYEN_VERSION} (wasm-opt) from npm");
        npm()?;
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let package = format!("binaryen@{BINARYEN_VERSION}");
        sh_in(
            &dir,
            "npm",
            &[
                "install",
                "--no-save",
                "--no-audit",
                "--no-fund",
                "--prefix",
                ".",
                &package,
            ],
            &[],
        )?;
    }
    Ok(bin)
}

/// A gzip member as small as gzip can be (zopfli), for files compressed once at build time.
fn zopfli_gzip(path: &Path) -> Result<u64> {
    let raw = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let mut gz = Vec::new();
    zopfli::compress(
        zopfli::Options::default(),
        zopfli::Format::Gzip,
        raw.as_slice(),
        &mut gz,
    )
    .map_err(|e| format!("{}: {e}", path.display()))?;
    let out = format!("{}.gz", path.display());
    std::fs::write(&out, &gz).map_err(|e| format!("{out}: {e}"))?;
    Ok(gz.len() as u64)
}

/// Builds the web app in release into frontend/dist and prints its size.
fn web() -> Result {
    let started = step("web app: toolchain");
    web_toolchain()?;
    let bin = binaryen()?;
    done("web app: toolchain", started);
    let started = step("web app: trunk build --release");
    let frontend = root().join("frontend");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let envs = [("PATH", path.as_str())];
    // The client app (what every visitor downloads) into dist/, then the client's other
    // screens (the `more` feature) into dist/more/ and the staff app (the `staff` feature)
    // into dist/staff/: the server serves each app's page where it belongs (src/switch.rs).
    sh_in(&frontend, "trunk", &["build", "--release", "--offline"], &envs)?;
    for app in ["more", "staff"] {
        let (index, dist, url) = (format!("{app}/index.html"), format!("dist/{app}"), format!("/{app}/"));
        sh_in(
            &frontend,
            "trunk",
            &[
                "build",
                "--release",
                "--offline=true",
                &index,
                "--dist",
                &dist,
                "--public-url",
                &url,
            ],
            &envs,
        )?;
    }
    for (app, dir) in [
        ("client", "frontend/dist"),
        ("more", "frontend/dist/more"),
        ("staff", "frontend/dist/staff"),
    ] {
        for entry in std::fs::read_dir(root().join(dir))
            .map_err(|e| e.to_string())?
            .flatten()
        {
            let path = entry.path();
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            if !(name.ends_with(".wasm") || name.ends_with(".js") || name.ends_with(".css")) {
                continue;
            }
            // Compressed once here, served as they are (the server sends the .gz to
            // browsers that take gzip): no compression per request. zopfli writes plain
            // gzip 4-5% smaller than `gzip -9`, once per build.
            let gz = zopfli_gzip(&path)?;
            if name.ends_with(".wasm") {
                let raw = std::fs::metadata(&path).map_err(|e| e.to_string())?.len();
                eprintln!(
                    "web app wasm ({app}): {raw} bytes, {gz} bytes gzip ({})",
                    path.display()
                );
            }
        }
    }
    done("web app: trunk build --release", started);
    Ok(())
}

fn run(extra: &[String]) -> Result {
    web()?;
    let started = step("server: cargo build --release");
    sh("cargo", &["build", "--release", "-p", "reglament-server"])?;
    done("server: cargo build --release", started);
    let web_root = root().join("frontend/dist");
    let mut args = vec!["serve".to_owned()];
    args.extend(extra.iter().cloned());
    let status = Command::new(root().join("target/release/reglament"))
        .args(&args)
        .current_dir(root())
        .env("REGLAMENT_WEB_ROOT", &web_root)
        .status()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("the server stopped: {status}"))
    }
}

/// Makes sure the local PostgreSQL answers; starts the cluster when it is down.
fn postgres() {
    let ready = || {
        Command::new("pg_isready")
            .args(["-h", "127.0.0.1", "-p", "5432"])
            .stdout(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    };
    if ready() {
        return;
    }
    let versions = std::fs::read_dir("/etc/postgresql")
        .map(|d| d.flatten().map(|e| e.file_name()).collect::<Vec<_>>())
        .unwrap_or_default();
    for version in versions {
        let version = version.to_string_lossy().into_owned();
        eprintln!("starting PostgreSQL {version}");
        let _ = Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, "main", "start"])
            .status();
    }
    for _ in 0..30 {
        if ready() {
            return;
        }
        std::thread::sleep(Duration::from_secs(1));
    }
    if is_ci() {
        eprintln!("PostgreSQL is not reachable at 127.0.0.1:5432: the PostgreSQL tests will fail (CI runs them)");
    } else {
        eprintln!("NOTICE: PostgreSQL is not reachable at 127.0.0.1:5432: the PostgreSQL half of the tests is skipped");
    }
}

/// Free space on the repository's disk in GiB, by `df` (none where it cannot run).
fn free_disk_gib() -> Option<f64> {
    let root = root();
    let out = output("df", &["-Pk", &root.to_string_lossy()])?;
    let kib: f64 = out.lines().nth(1)?.split_whitespace().nth(3)?.parse().ok()?;
    Some(kib / 1024.0 / 1024.0)
}

/// Room for a cold `cargo xtask test`: on a clean clone target/ grew to 3.0 GiB and
/// frontend/target to 0.6 (it was 14.4 with full debug info); trunk's one-time install
/// builds in a temporary directory, and Chromium comes from apt.
const DISK_NEEDED_GIB: f64 = 6.0;

fn test() -> Result {
    let all = Instant::now();
    if let Some(free) = free_disk_gib() {
        eprintln!("free disk: {free:.1} GiB (a cold run writes about {DISK_NEEDED_GIB:.0} GiB)");
        if free < DISK_NEEDED_GIB {
            eprintln!("WARNING: the disk may fill up; `cargo clean` in other checkouts frees space");
        }
    }
    let started = step("cargo fmt --check");
    sh("cargo", &["fmt", "--all", "--", "--check"])?;
    sh(
        "cargo",
        &["fmt", "--manifest-path", "frontend/Cargo.toml", "--", "--check"],
    )?;
    done("cargo fmt --check", started);

    let started = step("cargo clippy -D warnings");
    sh(
        "cargo",
        &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"],
    )?;
    done("cargo clippy -D warnings", started);

    let started = step("tests on SQLite and PostgreSQL");
    postgres();
    mailbox_server()?;
    sh("cargo", &["test", "--workspace"])?;
    done("tests on SQLite and PostgreSQL", started);

    web()?;
    let started = step("web app: clippy (wasm32), the client, more and staff apps");
    // In frontend/, as trunk builds: its .cargo/config.toml (erased components) applies.
    for features in [&[][..], &["--features", "more"][..], &["--features", "staff"][..]] {
        let mut args = vec!["clippy", "--target", "wasm32-unknown-unknown", "--release"];
        args.extend_from_slice(features);
        args.extend_from_slice(&["--", "-D", "warnings"]);
        sh_in(&root().join("frontend"), "cargo", &args, &[])?;
    }
    done("web app: clippy (wasm32), the client, more and staff apps", started);
    // `cargo test` has built target/debug/reglament with the same features: no second build.
    e2e(false)?;
    generated_client()?;
    conformance()?;
    cluster()?;
    eprintln!(
        "\nxtask test: everything passed in {:.0} s",
        all.elapsed().as_secs_f64()
    );
    Ok(())
}

/// Installs Debian's dovecot when missing and starts the local IMAP server the mail
/// tests use (like PostgreSQL).
fn mailbox_server() -> Result {
    if !dovecot::installed() {
        eprintln!("installing Debian's dovecot-imapd (the mail intake's tests run against it)");
        sh("apt-get", &["update", "-qq"])?;
        sh_in(
            &root(),
            "apt-get",
            &["install", "-y", "-qq", "--no-install-recommends", "dovecot-imapd"],
            &[("DEBIAN_FRONTEND", "noninteractive")],
        )?;
    }
    dovecot::ensure_running()
}

/// `cargo xtask cluster` (R-OPS-1..3): installs Debian's HAProxy when missing and runs the
/// cluster test — three server processes on one PostgreSQL database behind HAProxy,
/// sixteen clients for `REGLAMENT_CLUSTER_SECS` (60), the leader killed and restarted,
/// another stopped with SIGTERM — which prints what it served and the hand-over times.
fn cluster() -> Result {
    let started = step("cluster: three instances behind HAProxy");
    if output("haproxy", &["-v"]).is_none() && !Path::new("/usr/sbin/haproxy").exists() {
        eprintln!("installing Debian's haproxy (the cluster test's load balancer)");
        sh("apt-get", &["update", "-qq"])?;
        sh_in(
            &root(),
            "apt-get",
            &["install", "-y", "-qq", "--no-install-recommends", "haproxy"],
            &[("DEBIAN_FRONTEND", "noninteractive")],
        )?;
    }
    postgres();
    mailbox_server()?;
    sh(
        "cargo",
        // `--workspace`, as `cargo test` ran: the same features, so nothing is built again.
        &[
            "test",
            "--workspace",
            "--test",
            "cluster",
            "--",
            "--ignored",
            "--nocapture",
        ],
    )?;
    done("cluster: three instances behind HAProxy", started);
    Ok(())
}

/// `cargo xtask dovecot`: a local mailbox to try the mail intake with.
fn local_mailbox() -> Result {
    mailbox_server()?;
    eprintln!(
        "A local IMAP server listens on 127.0.0.1:{port} (any user name, password {password}).\n\
         Run the server with its intake on the mailbox `support`:\n\n  \
         REGLAMENT_IMAP_URL=imap://127.0.0.1:{port} REGLAMENT_IMAP_USER=support \\\n  \
         REGLAMENT_IMAP_PASSWORD={password} REGLAMENT_IMAP_POLL_SECS=5 cargo xtask run\n\n\
         and put a mail into it (from the address of a client registered in the portal):\n\n  \
         curl --url 'imap://127.0.0.1:{port}/INBOX' --user 'support:{password}' -T mail.eml\n\n\
         Stop it with `pkill dovecot`; its files are in {dir}.",
        port = dovecot::PORT,
        password = dovecot::PASSWORD,
        dir = dovecot::dir().display(),
    );
    Ok(())
}

fn chromium() -> Result<String> {
    if let Ok(path) = std::env::var("CHROMIUM") {
        return Ok(path);
    }
    let path = "/usr/bin/chromium";
    if !Path::new(path).exists() {
        eprintln!("installing Debian's chromium");
        sh("apt-get", &["update", "-qq"])?;
        sh("apt-get", &["install", "-y", "-qq", "chromium"])?;
    }
    Ok(path.to_owned())
}

struct ServerGuard(Child);

impl Drop for ServerGuard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Starts the debug server on a free port with a fresh SQLite database and the built
/// web app, and runs the browser tests against it.
fn e2e(build: bool) -> Result {
    let started = step("e2e: headless Chromium");
    let chromium = chromium()?;
    let e2e_dir = root().join("e2e");
    // playwright-core drives Chromium; axe-core checks every page's accessibility.
    if ["playwright-core", "axe-core"]
        .iter()
        .any(|package| !e2e_dir.join("node_modules").join(package).is_dir())
    {
        npm()?;
        sh_in(&e2e_dir, "npm", &["ci", "--no-audit", "--no-fund"], &[])?;
    }
    if build || !root().join("target/debug/reglament").is_file() {
        sh("cargo", &["build", "-p", "reglament-server"])?;
    }
    let server = TestServer::start("e2e")?;
    let result = sh_in(
        &e2e_dir,
        "node",
        &["--test", "--test-concurrency=1", "tests/"],
        &[
            ("REGLAMENT_E2E_URL", &server.base),
            ("REGLAMENT_E2E_EMAIL", "admin@reglament.local"),
            ("REGLAMENT_E2E_PASSWORD", E2E_ADMIN_PASSWORD),
            ("CHROMIUM", &chromium),
        ],
    );
    drop(server);
    result?;
    eprintln!("screenshots: {}", root().join("target/e2e").display());
    done("e2e: headless Chromium", started);
    Ok(())
}

/// The debug server on a free port with a fresh SQLite database and the built web app,
/// stopped and its data removed when dropped.
struct TestServer {
    _guard: ServerGuard,
    base: String,
    data: PathBuf,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.data);
    }
}

impl TestServer {
    fn start(name: &str) -> Result<Self> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| e.to_string())?
            .port();
        let data = std::env::temp_dir().join(format!("reglament-{name}-{port}"));
        let _ = std::fs::remove_dir_all(&data);
        let listen = format!("127.0.0.1:{port}");
        let log_path = root().join(format!("target/{name}-server.log"));
        let log = std::fs::File::create(&log_path).map_err(|e| e.to_string())?;
        let server = Command::new(root().join("target/debug/reglament"))
            .arg("serve")
            .current_dir(root())
            .env("REGLAMENT_LISTEN", &listen)
            .env("REGLAMENT_DATA_DIR", &data)
            .env_remove("REGLAMENT_DATABASE_URL")
            .env("REGLAMENT_WEB_ROOT", root().join("frontend/dist"))
            .env("REGLAMENT_ADMIN_EMAIL", "admin@reglament.local")
            .env("REGLAMENT_ADMIN_PASSWORD", E2E_ADMIN_PASSWORD)
            .stdout(log.try_clone().map_err(|e| e.to_string())?)
            .stderr(log)
            .spawn()
            .map_err(|e| format!("cannot start the server: {e}"))?;
        let guard = ServerGuard(server);
        let base = format!("http://{listen}");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(&listen).is_err() {
            if Instant::now() > deadline {
                return Err(format!("the server did not start: see {}", log_path.display()));
            }
            std::thread::sleep(Duration::from_millis(200));
        }
        Ok(Self {
            _guard: guard,
            base,
            data,
        })
    }
}

/// The version of schemathesis the conformance check runs (from PyPI, into a venv).
const SCHEMATHESIS: &str = "schemathesis==4.32.5";

/// The generator the generated-client check uses (from PyPI, into a venv): a maintained
/// one that nobody here wrote, so the document is read as integrators read it.
const OPENAPI_PYTHON_CLIENT: &str = "openapi-python-client==0.29.1";

/// Operations that end the caller's sessions: run apart, with their own token, so that
/// the main run's token lives to its end.
const SESSION_ENDERS: [&str; 3] = ["sign_out_everywhere", "close_session", "logout"];

/// Operations that answer a stream that never ends (Server-Sent Events): schemathesis
/// would wait on them forever, so coverage.py opens each itself and reads its first bytes.
const STREAMS: [&str; 1] = ["open_stream"];

/// The fewest operations the conformance run must see answer a 2xx (measured: see the
/// README's "API conformance"); a run that exercises fewer has gone hollow.
const CONFORMANCE_2XX_FLOOR: usize = 86;

/// A Python venv under target/ with `package` installed; answers its bin/ folder.
fn python_venv(name: &str, package: &str) -> Result<PathBuf> {
    let venv = root().join("target").join(name);
    let bin = venv.join("bin");
    let marker = venv.join(format!("installed-{package}"));
    if !marker.is_file() {
        if output("python3", &["-m", "venv", "--help"]).is_none() {
            sh("apt-get", &["install", "-y", "-qq", "python3-venv"])?;
        }
        let venv_arg = venv.to_string_lossy().into_owned();
        sh("python3", &["-m", "venv", &venv_arg])?;
        let pip = bin.join("pip").to_string_lossy().into_owned();
        sh(&pip, &["install", "-q", package])?;
        std::fs::write(&marker, "").map_err(|e| e.to_string())?;
    }
    Ok(bin)
}

/// Signs in as the e2e admin through the API and answers an access token.
fn admin_token(python: &str, base: &str) -> Result<String> {
    let login = format!(
        "import json,urllib.request as u;r=u.urlopen(u.Request('{base}/api/v1/auth/login',data=json.dumps({{'email':'admin@reglament.local','password':'{E2E_ADMIN_PASSWORD}'}}).encode(),headers={{'Content-Type':'application/json'}}));print(json.load(r)['access_token'])"
    );
    let token = output(python, &["-c", &login]).ok_or("cannot sign in to the test server")?;
    Ok(token.trim().to_owned())
}

/// Generates a Python client from the served document with openapi-python-client and runs
/// an integrator's flow through it (`xtask/client/flow.py`). Fails when the generator
/// leaves an operation out or any step answers other than documented.
fn generated_client() -> Result {
    let started = step("generated client: openapi-python-client from the served document");
    let bin = python_venv("codegen-venv", OPENAPI_PYTHON_CLIENT)?;
    let server = TestServer::start("client")?;
    let out = root().join("target/generated-client");
    let _ = std::fs::remove_dir_all(&out);
    let package = out.join("reglament_api_client");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let generated = Command::new(bin.join("openapi-python-client"))
        .args(["generate", "--meta", "none", "--overwrite", "--url"])
        .arg(format!("{}/api/openapi.json", server.base))
        .arg("--output-path")
        .arg(&package)
        .env("PATH", &path)
        .output()
        .map_err(|e| format!("cannot run openapi-python-client: {e}"))?;
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&generated.stdout),
        String::from_utf8_lossy(&generated.stderr)
    );
    if !generated.status.success() || said.contains("will not be generated") {
        eprintln!("{said}");
        return Err("openapi-python-client could not generate every operation from the document".into());
    }
    let python = bin.join("python").to_string_lossy().into_owned();
    let flow = root().join("xtask/client/flow.py").to_string_lossy().into_owned();
    let result = sh_in(
        &root(),
        &python,
        &[&flow],
        &[
            ("PYTHONPATH", &out.to_string_lossy()),
            ("REGLAMENT_URL", &server.base),
            ("REGLAMENT_EMAIL", "admin@reglament.local"),
            ("REGLAMENT_PASSWORD", E2E_ADMIN_PASSWORD),
        ],
    );
    drop(server);
    result?;
    done(
        "generated client: openapi-python-client from the served document",
        started,
    );
    Ok(())
}

/// Loads the served OpenAPI document and sends requests generated from it to a running
/// server (examples, boundary values, random data, chains of calls) as an admin; fails on
/// any server error, answer outside its schema, status the document does not list, or
/// wrong content type (R-INT-4). The operations that end sessions run apart with their own
/// token; then `xtask/conformance/coverage.py` reads both runs' HAR reports and fails when
/// a secured operation answered only 401 or fewer operations than the floor got a 2xx.
fn conformance() -> Result {
    let started = step("API conformance: schemathesis against the served document");
    let bin = python_venv("schemathesis-venv", SCHEMATHESIS)?;
    let server = TestServer::start("conformance")?;
    let python = bin.join("python").to_string_lossy().into_owned();
    let schema = format!("{}/api/openapi.json", server.base);
    let st = bin.join("schemathesis").to_string_lossy().into_owned();
    let reports = root().join("target/conformance");
    let _ = std::fs::remove_dir_all(&reports);
    std::fs::create_dir_all(&reports).map_err(|e| e.to_string())?;
    // One of each object an admin works on, named in the run's config (seed.py).
    let config = reports.join("schemathesis.toml").to_string_lossy().into_owned();
    let seed = root().join("xtask/conformance/seed.py").to_string_lossy().into_owned();
    sh(
        &python,
        &[&seed, &server.base, &admin_token(&python, &server.base)?, &config],
    )?;
    let run = |har: &str, filter: &[String], examples: &str| -> Result<String> {
        let header = format!("Authorization: Bearer {}", admin_token(&python, &server.base)?);
        let har = reports.join(har).to_string_lossy().into_owned();
        let mut args: Vec<String> = [
            "--config-file",
            &config,
            "run",
            &schema,
            "-H",
            &header,
            "--max-examples",
            examples,
            "--phases",
            "examples,coverage,fuzzing,stateful",
            "--checks",
            "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
            "--seed",
            "1",
            "--no-color",
            "--report",
            "har",
            "--report-har-path",
            &har,
        ]
        .map(str::to_owned)
        .to_vec();
        args.extend(filter.iter().cloned());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        sh(&st, &args)?;
        Ok(har)
    };
    let apart = |flag: &str| -> Vec<String> {
        SESSION_ENDERS
            .iter()
            .flat_map(|id| [flag.to_owned(), (*id).to_owned()])
            .collect()
    };
    let mut main_filter = apart("--exclude-operation-id");
    main_filter.extend(
        STREAMS
            .iter()
            .flat_map(|id| ["--exclude-operation-id".to_owned(), (*id).to_owned()]),
    );
    let result = run("main.har", &main_filter, "15").and_then(|main| {
        let enders = run("session-enders.har", &apart("--include-operation-id"), "5")?;
        let coverage = root()
            .join("xtask/conformance/coverage.py")
            .to_string_lossy()
            .into_owned();
        let floor = CONFORMANCE_2XX_FLOOR.to_string();
        let token = admin_token(&python, &server.base)?;
        sh_in(
            &root(),
            &python,
            &[&coverage, &schema, &floor, &main, &enders],
            &[("CONFORMANCE_TOKEN", &token)],
        )
    });
    drop(server);
    result?;
    done("API conformance: schemathesis against the served document", started);
    Ok(())
}

fn openapi() -> Result {
    let out = Command::new("cargo")
        .args(["run", "--quiet", "-p", "reglament-server", "--", "openapi"])
        .current_dir(root())
        .output()
        .map_err(|e| e.to_string())?;
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    std::fs::write(root().join("openapi/openapi.json"), &out.stdout).map_err(|e| e.to_string())?;
    eprintln!("wrote openapi/openapi.json");
    Ok(())
}
