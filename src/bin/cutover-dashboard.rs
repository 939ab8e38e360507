//! `cutover-dashboard`: the live dashboard alone, as `cutover` / `cutover tui` runs it. It links
//! only the client side (no control plane, journal or HTTP server), so the code it maps into
//! memory is a fraction of `cutover`'s; `cutover` hands the dashboard over to it when it is
//! installed beside it, and runs the dashboard in-process otherwise.

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    // A panic is reported by the standard hook, after the dashboard's own hook has given the
    // terminal back: color-eyre's report would map in its symbolizer for a screen that has
    // little to say in a backtrace.
    match cutover::cli::run_dashboard(cutover::cli::DashboardCli::parse()) {
        Ok(code) => code,
        Err(report) => {
            eprintln!("{}", cutover::lifecycle::for_people(&report));
            ExitCode::FAILURE
        }
    }
}
