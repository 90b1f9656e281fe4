use clap::{Parser, Subcommand};
use reglament_server::{config::Config, start, system_clock};
use tracing_subscriber::EnvFilter;

/// Reglament: a customer-support portal that enforces the vendor's support regulation.
#[derive(Parser)]
#[command(name = "reglament", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Apply the database migrations and exit.
    Migrate,
    /// Print the OpenAPI document.
    Openapi,
    /// The production calendar.
    #[command(subcommand)]
    Calendar(CalendarCommand),
}

#[derive(Subcommand)]
enum CalendarCommand {
    /// Add or replace years of the production calendar from a JSON file: one year or an
    /// array of years, in the format of `GET /api/v1/calendar/{year}`. All or nothing:
    /// an incoherent year writes none. Running servers take it within a jobs round.
    Import {
        /// The JSON file.
        file: std::path::PathBuf,
    },
}

fn init_logging(json: bool) {
    let filter =
        EnvFilter::try_from_env("REGLAMENT_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    if matches!(cli.command, Some(Command::Openapi)) {
        print!("{}", reglament_http::openapi::document_json());
        return Ok(());
    }
    let config = Config::load()?;
    init_logging(config.log_json);
    tracing::info!(
        version = env!("CARGO_PKG_VERSION"),
        "configuration: {}",
        config.describe()
    );
    match cli.command {
        Some(Command::Calendar(CalendarCommand::Import { file })) => {
            let store = reglament_server::open_store(&config, system_clock().as_ref()).await?;
            let outcome = reglament_server::import_calendar_file(&store, &file).await;
            store.close().await;
            match outcome {
                Ok(lines) => lines.iter().for_each(|line| println!("{line}")),
                // A refused file is the admin's to fix: the reason, without a backtrace.
                Err(err) => {
                    eprintln!("error: {err:#}");
                    std::process::exit(1);
                }
            }
        }
        Some(Command::Migrate) => {
            let store = reglament_server::open_store(&config, system_clock().as_ref()).await?;
            tracing::info!(backend = store.backend().as_str(), "migrations applied");
            store.close().await;
        }
        _ => {
            #[cfg(feature = "test-clock")]
            let running = {
                tracing::warn!(
                    "built with the test-clock feature: admins can move the server's clock; never use in production"
                );
                let clock = std::sync::Arc::new(reglament_service::ManualClock::starting_at(chrono::Utc::now()));
                reglament_server::start_with(&config, clock.clone(), Some(clock)).await?
            };
            #[cfg(not(feature = "test-clock"))]
            let running = start(&config, system_clock()).await?;
            if let Some(password) = &running.generated_admin_password {
                tracing::warn!(
                    email = %config.admin_email,
                    "first admin created with a generated password (shown once, change it): {password}"
                );
            }
            tracing::info!(
                "Reglament is listening on http://{} (web app, API at /api/v1, docs at /api/docs/)",
                config.listen.replace("0.0.0.0", "127.0.0.1")
            );
            // SIGTERM (or Ctrl-C): actix stops accepting and finishes the requests in flight
            // (10 s at most); then the loops this instance led are handed over (R-OPS-3).
            let app = running.app.clone();
            running.server.await?;
            app.instances().stop().await;
            app.store.close().await;
            tracing::info!("stopped: requests finished, leases released");
        }
    }
    Ok(())
}
