//! `cargo run -p mssp-tests --example screenshot -- OUT.png`: logs in to a seeded console through
//! WebDriver, opens Settings > Customer Management, waits for the health icons and saves a
//! screenshot of the screen to OUT.png. Used by `make screenshot` (scripts/demo.sh --screenshot),
//! inside the same desktop session that seeded the data.
//! Env: MSSP_CONSOLE_DATA_DIR and MSSP_CONSOLE_KEYCHAIN_SERVICE (the seeded console),
//! MSSP_SCREENSHOT_USERNAME / MSSP_SCREENSHOT_PASSWORD (the console administrator).

use std::path::PathBuf;
use std::time::{Duration, Instant};

use mssp_tests::{App, AppConfig, Result, log_in, screenshot_to};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() -> Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: screenshot OUT.png")?);
    let var = |k: &str| std::env::var(k).map_err(|_| format!("{k} is not set"));
    let cfg = AppConfig::new("screenshot")
        .data_dir(var("MSSP_CONSOLE_DATA_DIR")?)
        .keychain_service(var("MSSP_CONSOLE_KEYCHAIN_SERVICE")?);
    let username = var("MSSP_SCREENSHOT_USERNAME")?;
    let password = var("MSSP_SCREENSHOT_PASSWORD")?;

    let app = App::launch_with(cfg).await?;
    let res = shoot(&app, &out, &username, &password).await;
    let _ = app.close().await;
    res
}

async fn shoot(app: &App, out: &std::path::Path, username: &str, password: &str) -> Result<()> {
    // No window manager under Xvfb: put the window in the top-left corner at the screen's size.
    let _ = app.client().set_window_rect(0, 0, 1280, 800).await;

    log_in(app, username, password).await?;
    app.click("#nav-customer-management").await?;
    app.wait_for("#customer-page").await?;
    app.wait_for("#customer-table tr[data-customer-id]").await?;

    // Wait (bounded) until every health icon has a state, so one customer shows as down.
    let deadline = Instant::now() + Duration::from_secs(20);
    let mut checked = false;
    loop {
        let unknown = app.count(".health-icon[data-state=\"unknown\"]").await?;
        let down = app.count(".health-icon[data-state=\"down\"]").await?;
        if unknown == 0 && down > 0 {
            break;
        }
        if !checked && Instant::now() + Duration::from_secs(10) > deadline {
            let _ = app.click("#check-health-button").await;
            checked = true;
        }
        if Instant::now() > deadline {
            eprintln!("[screenshot] warning: health states still unknown={unknown} down={down}");
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // Let the page paint what the DOM holds (two animation frames), then a short settle for X.
    let _ = app
        .client()
        .execute_async(
            "const done = arguments[arguments.length - 1];\
             requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
            vec![],
        )
        .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    screenshot_to(out).await?;
    eprintln!("[screenshot] saved {}", out.display());
    Ok(())
}
