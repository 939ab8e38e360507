//! The terminal's lifecycle: raw mode and the alternate screen on entry; restored on drop, on
//! panic (a hook that restores before the report is printed) and on every exit path. Output
//! goes through one buffered writer, flushed once per frame inside synchronized-update markers
//! (a full redraw of a large screen, a few hundred KB, flushes a few times within them: the
//! buffer is sized for live frames, tens of bytes, not to hold the largest redraw in memory).

use std::io::{BufWriter, Stdout, Write};

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{cursor, execute, terminal};

/// The write buffer: ample for a live frame (tens to hundreds of bytes); a full redraw flushes
/// a few times inside its synchronized-update markers. (Measured: shrinking it from 256 KiB
/// changed the dashboard's RSS by nothing visible — only the pages a frame writes are ever
/// resident.)
const WRITE_BUFFER: usize = 32 * 1024;

/// The dashboard's terminal.
pub type Term = Terminal<CrosstermBackend<BufWriter<Stdout>>>;

/// Puts the terminal back as it was. Safe to call more than once, and when the terminal is
/// gone (a hang-up): errors are ignored.
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    // Blank the alternate screen before leaving it: a terminal that was resized meanwhile
    // (tmux does this) may carry its rows over to the shell's screen, which must stay clean.
    let _ = execute!(
        std::io::stdout(),
        terminal::Clear(terminal::ClearType::All),
        cursor::MoveTo(0, 0),
        terminal::LeaveAlternateScreen,
        cursor::Show
    );
}

/// Restores the terminal when dropped.
pub struct Guard;

impl Drop for Guard {
    fn drop(&mut self) {
        restore();
    }
}

/// Enters raw mode and the alternate screen; the guard undoes it.
pub fn enter() -> std::io::Result<(Term, Guard)> {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        previous(info);
    }));
    terminal::enable_raw_mode()?;
    let guard = Guard;
    execute!(
        std::io::stdout(),
        terminal::EnterAlternateScreen,
        cursor::Hide
    )?;
    let backend = CrosstermBackend::new(BufWriter::with_capacity(WRITE_BUFFER, std::io::stdout()));
    Ok((Terminal::new(backend)?, guard))
}

/// Rings the terminal bell (BEL).
pub fn bell(term: &mut Term) -> std::io::Result<()> {
    term.backend_mut().write_all(b"\x07")?;
    term.backend_mut().flush()
}

/// Draws a frame inside synchronized-update markers, with one flush.
pub fn draw(term: &mut Term, state: &super::state::State) -> std::io::Result<()> {
    ratatui::crossterm::queue!(term.backend_mut(), terminal::BeginSynchronizedUpdate)?;
    term.draw(|f| super::panes::draw(f, state))?;
    ratatui::crossterm::queue!(term.backend_mut(), terminal::EndSynchronizedUpdate)?;
    term.backend_mut().flush()
}
