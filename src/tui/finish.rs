//! The last pass over a drawn frame, so that the modes are honest whatever a pane drew:
//! `--ascii` turns every cell into ASCII (lines, arrows, bullets, bars, sparklines, marks), and
//! a theme with a background colour paints every cell that kept the terminal's default.

use ratatui::buffer::Buffer;
use ratatui::style::Color;

/// The ASCII stand-in for a character (one cell for one cell).
#[must_use]
pub fn ascii(c: char) -> char {
    match c {
        c if c.is_ascii() => c,
        '─' | '━' | '═' | '—' | '–' | '░' => '-',
        '│' | '┃' | '║' | '▏' | '▕' => '|',
        '┌' | '┐' | '└' | '┘' | '├' | '┤' | '┬' | '┴' | '┼' | '✓' | '✔' => {
            '+'
        }
        '→' | '▶' | '»' => '>',
        '←' | '◀' | '«' => '<',
        '·' | '•' | '∙' | '▃' | '▄' => '.',
        '…' | '≈' | '∼' => '~',
        '✗' | '✘' | '×' => 'x',
        '“' | '”' | '„' => '"',
        '‘' | '’' => '\'',
        '▁' | '▂' => '_',
        '▅' | '▆' => '=',
        '▇' | '█' | '▓' | '▒' => '#',
        _ => '?',
    }
}

/// Turns every cell of `buf` into ASCII.
pub fn asciify(buf: &mut Buffer) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buf[(x, y)];
            let symbol = cell.symbol();
            if !symbol.is_ascii() {
                let c = symbol.chars().next().map_or(' ', ascii);
                cell.set_char(c);
            }
        }
    }
}

/// Paints the theme's colours into every cell that kept the terminal's default.
pub fn paint(buf: &mut Buffer, fg: Color, bg: Color) {
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buf[(x, y)];
            if cell.bg == Color::Reset {
                cell.set_bg(bg);
            }
            if cell.fg == Color::Reset {
                cell.set_fg(fg);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mark_the_panes_use_has_an_ascii_stand_in() {
        for c in "─│┌┐└┘┃→←·…≈✓✗×“”▁▂▃▄▅▆▇█░—".chars()
        {
            assert_ne!(ascii(c), '?', "{c}");
            assert!(ascii(c).is_ascii());
        }
    }
}
