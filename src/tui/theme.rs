//! Themes: a small set of named colours read from `themes/*.toml` (embedded; `dark`, `light`,
//! `high-contrast`, `mono`, `prod`). `NO_COLOR` selects `mono`, whose emphasis is bold and
//! reverse video only.

use std::str::FromStr;

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;

/// The shipped themes, by name.
pub const THEMES: &[(&str, &str)] = &[
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.toml"),
    ),
    ("mono", include_str!("../../themes/mono.toml")),
    ("prod", include_str!("../../themes/prod.toml")),
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    fg: String,
    dim: String,
    accent: String,
    ok: String,
    warn: String,
    crit: String,
    legacy: String,
    enhanced: String,
    header_fg: String,
    header_bg: String,
    #[serde(default)]
    bg: Option<String>,
}

/// Colours the panes draw with.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Theme name.
    pub name: String,
    /// Whether colour is off (emphasis by modifiers only).
    pub mono: bool,
    /// Normal text.
    pub fg: Color,
    /// Secondary text.
    pub dim: Color,
    /// Highlights and selection.
    pub accent: Color,
    /// Healthy.
    pub ok: Color,
    /// Warning.
    pub warn: Color,
    /// Critical.
    pub crit: Color,
    /// Legacy traffic.
    pub legacy: Color,
    /// Enhanced traffic.
    pub enhanced: Color,
    /// Header text.
    pub header_fg: Color,
    /// Header background.
    pub header_bg: Color,
    /// The screen's background, for themes that need one (light on a dark terminal).
    pub bg: Option<Color>,
}

fn color(name: &str, field: &str, value: &str) -> Result<Color, String> {
    Color::from_str(value).map_err(|_| format!("theme {name}: {field} = {value:?} is not a colour (write \"#rrggbb\" or a name like \"lightred\")"))
}

impl Theme {
    /// Parses a theme file.
    pub fn parse(text: &str) -> Result<Theme, String> {
        let f: ThemeFile = toml::from_str(text).map_err(|e| format!("theme: {}", e.message()))?;
        let n = f.name.clone();
        Ok(Theme {
            mono: f.name == "mono",
            fg: color(&n, "fg", &f.fg)?,
            dim: color(&n, "dim", &f.dim)?,
            accent: color(&n, "accent", &f.accent)?,
            ok: color(&n, "ok", &f.ok)?,
            warn: color(&n, "warn", &f.warn)?,
            crit: color(&n, "crit", &f.crit)?,
            legacy: color(&n, "legacy", &f.legacy)?,
            enhanced: color(&n, "enhanced", &f.enhanced)?,
            header_fg: color(&n, "header_fg", &f.header_fg)?,
            header_bg: color(&n, "header_bg", &f.header_bg)?,
            bg: f.bg.as_deref().map(|b| color(&n, "bg", b)).transpose()?,
            name: f.name,
        })
    }

    /// A shipped theme by name.
    pub fn named(name: &str) -> Result<Theme, String> {
        let (_, text) = THEMES.iter().find(|(n, _)| *n == name).ok_or_else(|| {
            let names: Vec<_> = THEMES.iter().map(|(n, _)| *n).collect();
            format!("no theme `{name}` (themes: {})", names.join(", "))
        })?;
        Theme::parse(text)
    }

    /// The theme to start with: `mono` when `NO_COLOR` is set, else the one asked for.
    pub fn choose(asked: Option<&str>, no_color: bool) -> Result<Theme, String> {
        if no_color {
            return Theme::named("mono");
        }
        Theme::named(asked.unwrap_or("dark"))
    }

    /// The theme as this terminal can show it: without truecolor (`COLORTERM`), every RGB
    /// colour becomes the nearest of the 256 indexed ones.
    #[must_use]
    pub fn fitted(mut self, truecolor: bool) -> Theme {
        if truecolor {
            return self;
        }
        for c in [
            &mut self.fg,
            &mut self.dim,
            &mut self.accent,
            &mut self.ok,
            &mut self.warn,
            &mut self.crit,
            &mut self.legacy,
            &mut self.enhanced,
            &mut self.header_fg,
            &mut self.header_bg,
        ] {
            *c = indexed(*c);
        }
        self.bg = self.bg.map(indexed);
        self
    }

    /// The next shipped theme after this one (for the `t` key).
    #[must_use]
    pub fn next(&self) -> Theme {
        let i = THEMES
            .iter()
            .position(|(n, _)| *n == self.name)
            .unwrap_or(0);
        Theme::named(THEMES[(i + 1) % THEMES.len()].0).expect("shipped themes parse")
    }

    /// Plain text.
    #[must_use]
    pub fn text(&self) -> Style {
        Style::default().fg(self.fg)
    }

    /// Secondary text.
    #[must_use]
    pub fn muted(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::DIM)
        } else {
            Style::default().fg(self.dim)
        }
    }

    /// A coloured emphasis; in mono, bold.
    #[must_use]
    pub fn strong(&self, c: Color) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::BOLD)
        } else {
            Style::default().fg(c).add_modifier(Modifier::BOLD)
        }
    }

    /// The header bar.
    #[must_use]
    pub fn header(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default().fg(self.header_fg).bg(self.header_bg)
        }
    }

    /// The selected row.
    #[must_use]
    pub fn selected(&self) -> Style {
        if self.mono {
            Style::default().add_modifier(Modifier::REVERSED)
        } else {
            Style::default()
                .fg(self.accent)
                .add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }
}

/// The nearest xterm 256-colour index to an RGB colour (the 6×6×6 cube or the grey ramp).
fn indexed(colour: Color) -> Color {
    const LEVELS: [u8; 6] = [0, 95, 135, 175, 215, 255];
    let Color::Rgb(r, g, b) = colour else {
        return colour;
    };
    let nearest = |v: u8| {
        (0..6u8)
            .min_by_key(|i| (i32::from(LEVELS[usize::from(*i)]) - i32::from(v)).abs())
            .unwrap_or(0)
    };
    let (ri, gi, bi) = (nearest(r), nearest(g), nearest(b));
    let cube = 16 + 36 * ri + 6 * gi + bi;
    let dist = |rgb: (u8, u8, u8)| {
        let sq = |from: u8, to: u8| (i32::from(from) - i32::from(to)).pow(2);
        sq(rgb.0, r) + sq(rgb.1, g) + sq(rgb.2, b)
    };
    let cube_rgb = (
        LEVELS[usize::from(ri)],
        LEVELS[usize::from(gi)],
        LEVELS[usize::from(bi)],
    );
    let avg = u8::try_from((u16::from(r) + u16::from(g) + u16::from(b)) / 3).unwrap_or(0);
    let grey_i = avg.saturating_sub(8) / 10;
    let grey_i = grey_i.min(23);
    let grey = 8 + 10 * grey_i;
    if dist((grey, grey, grey)) < dist(cube_rgb) {
        Color::Indexed(232 + grey_i)
    } else {
        Color::Indexed(cube)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_theme_parses_and_no_color_means_mono() {
        for (name, _) in THEMES {
            assert_eq!(&Theme::named(name).unwrap().name, name);
        }
        assert!(Theme::choose(Some("prod"), true).unwrap().mono);
        assert_eq!(Theme::choose(Some("prod"), false).unwrap().name, "prod");
        assert!(
            Theme::named("neon")
                .unwrap_err()
                .contains("no theme `neon`")
        );
        assert_eq!(Theme::named("mono").unwrap().next().name, "prod");
    }
}
