//! The keymap: keys to dashboard actions, from `assets/keymap.toml` (embedded) with the user's
//! `$XDG_CONFIG_HOME/cutover/keymap.toml` merged over it. `[keys]` binds a key to a dashboard
//! action; `[commands]` binds a key to a `:` command line, typed for you (`N = "note "`), so
//! any action the command line knows — a new one included — gets a key with one line here. A
//! key bound twice (after naming is normalised) is an error; so is an unknown key name or
//! action.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use serde::Deserialize;

/// The default keymap file.
pub const DEFAULT: &str = include_str!("../../assets/keymap.toml");

pub use super::ui_action::{Group, UiAction};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeymapFile {
    #[serde(default)]
    keys: BTreeMap<String, UiAction>,
    #[serde(default)]
    commands: BTreeMap<String, String>,
}

/// Normalised keys to actions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keymap {
    keys: BTreeMap<String, UiAction>,
    commands: BTreeMap<String, String>,
}

/// The normal name of a key as written in a keymap file.
pub fn normalise(name: &str) -> Result<String, String> {
    let named = [
        "Tab",
        "Enter",
        "Esc",
        "Up",
        "Down",
        "Left",
        "Right",
        "PageUp",
        "PageDown",
        "Home",
        "End",
        "Backspace",
    ];
    if name.chars().count() == 1 {
        return Ok(name.to_owned());
    }
    if let Some(n) = named.iter().find(|n| n.eq_ignore_ascii_case(name)) {
        return Ok((*n).to_owned());
    }
    if let Some(f) = name
        .strip_prefix(['F', 'f'])
        .and_then(|n| n.parse::<u8>().ok())
        .filter(|n| (1..=12).contains(n))
    {
        return Ok(format!("F{f}"));
    }
    Err(format!(
        "unknown key `{name}` (a single character, or one of {}, F1…F12)",
        named.join(", ")
    ))
}

/// The name of a pressed key, as keymaps write it.
#[must_use]
pub fn key_name(key: &KeyEvent) -> Option<String> {
    if key
        .modifiers
        .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT)
    {
        return None;
    }
    Some(match key.code {
        KeyCode::Char(c) => c.to_string(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Up => "Up".into(),
        KeyCode::Down => "Down".into(),
        KeyCode::Left => "Left".into(),
        KeyCode::Right => "Right".into(),
        KeyCode::PageUp => "PageUp".into(),
        KeyCode::PageDown => "PageDown".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Backspace => "Backspace".into(),
        KeyCode::F(n) => format!("F{n}"),
        _ => return None,
    })
}

impl Keymap {
    /// The built-in bindings; `assets/keymap.toml` must say the same (a test checks).
    #[must_use]
    pub fn builtin() -> Keymap {
        use UiAction as A;
        let pairs = [
            ("q", A::Quit),
            ("a", A::Advance),
            ("p", A::PauseResume),
            ("r", A::Rollback),
            ("R", A::RollbackAll),
            ("K", A::Kill),
            ("A", A::Approve),
            ("w", A::SetWeight),
            ("x", A::Ack),
            ("n", A::Note),
            ("Tab", A::NextView),
            ("1", A::ViewOverview),
            ("2", A::ViewDepartments),
            ("3", A::ViewComparison),
            ("4", A::ViewAlerts),
            ("5", A::ViewTimeline),
            ("/", A::Filter),
            (":", A::Command),
            ("?", A::Help),
            ("j", A::Down),
            ("k", A::Up),
            ("Down", A::Down),
            ("Up", A::Up),
            ("PageDown", A::PageDown),
            ("PageUp", A::PageUp),
            ("g", A::Top),
            ("G", A::Bottom),
            ("Enter", A::Details),
            ("f", A::KindFilter),
            ("t", A::NextTheme),
        ];
        Keymap {
            keys: pairs.iter().map(|(k, a)| ((*k).to_owned(), *a)).collect(),
            commands: BTreeMap::new(),
        }
    }

    /// Parses a keymap file.
    pub fn parse(text: &str) -> Result<Keymap, String> {
        let file: KeymapFile =
            toml::from_str(text).map_err(|e| format!("keymap: {}", e.message().trim()))?;
        let mut keys = BTreeMap::new();
        for (name, action) in file.keys {
            let key = normalise(&name)?;
            if let Some(other) = keys.insert(key.clone(), action) {
                return Err(format!(
                    "keymap: `{key}` is bound twice ({other:?} and {action:?})"
                ));
            }
        }
        let mut commands = BTreeMap::new();
        for (name, text) in file.commands {
            let key = normalise(&name)?;
            if keys.contains_key(&key) || commands.insert(key.clone(), text).is_some() {
                return Err(format!("keymap: `{key}` is bound twice"));
            }
        }
        Ok(Keymap { keys, commands })
    }

    /// The defaults with a user file merged over them.
    pub fn load(user: Option<&str>) -> Result<Keymap, String> {
        let mut map = Keymap::parse(DEFAULT)?;
        if let Some(text) = user {
            let mine = Keymap::parse(text)?;
            // A key of yours replaces the default binding of that key, whichever table it is in.
            for key in mine.keys.keys().chain(mine.commands.keys()) {
                map.keys.remove(key);
                map.commands.remove(key);
            }
            map.keys.extend(mine.keys);
            map.commands.extend(mine.commands);
        }
        Ok(map)
    }

    /// The command line a key press types, if it is bound to one.
    #[must_use]
    pub fn command(&self, key: &KeyEvent) -> Option<&str> {
        key_name(key).and_then(|k| self.commands.get(&k).map(String::as_str))
    }

    /// Every key bound to a command line, for the help screen.
    pub fn commands(&self) -> impl Iterator<Item = (&str, &str)> {
        self.commands.iter().map(|(k, c)| (k.as_str(), c.as_str()))
    }

    /// The action bound to a key press.
    #[must_use]
    pub fn action(&self, key: &KeyEvent) -> Option<UiAction> {
        key_name(key).and_then(|k| self.keys.get(&k).copied())
    }

    /// The key bound to an action, for hints.
    #[must_use]
    pub fn key_for(&self, action: UiAction) -> Option<&str> {
        self.keys
            .iter()
            .find(|(_, a)| **a == action)
            .map(|(k, _)| k.as_str())
    }

    /// Every binding, for the help screen.
    pub fn bindings(&self) -> impl Iterator<Item = (&str, UiAction)> {
        self.keys.iter().map(|(k, a)| (k.as_str(), *a))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_keymap_file_equals_the_builtin_default() {
        // The actions' keys are in the code too; keys that type commands live in the file only.
        assert_eq!(Keymap::parse(DEFAULT).unwrap().keys, Keymap::builtin().keys);
    }

    #[test]
    fn keymap_files_are_checked() {
        let table = [
            ("[keys]\nq = \"launch\"", "unknown variant `launch`"),
            ("[keys]\nctrl-q = \"quit\"", "unknown key `ctrl-q`"),
            ("[keys]\nup = \"up\"\nUp = \"down\"", "`Up` is bound twice"),
            ("[keys]\nq = \"quit\"\nq = \"help\"", "duplicate key"),
            ("[moves]\nq = \"quit\"", "unknown field `moves`"),
        ];
        for (text, expected) in table {
            let err = Keymap::parse(text).unwrap_err();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn a_key_can_type_a_command_line() {
        let map = Keymap::load(Some("[commands]\nN = \"note \"\nq = \"quit\"")).unwrap();
        let press = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert_eq!(map.command(&press(KeyCode::Char('N'))), Some("note "));
        assert_eq!(
            map.action(&press(KeyCode::Char('q'))),
            None,
            "your command replaces the default action of that key"
        );
        assert_eq!(map.command(&press(KeyCode::Char('q'))), Some("quit"));
        let err = Keymap::parse("[keys]\nN = \"note\"\n[commands]\nN = \"note \"").unwrap_err();
        assert!(err.contains("`N` is bound twice"), "{err}");
    }

    #[test]
    fn user_bindings_override_defaults_and_keys_resolve() {
        let map = Keymap::load(Some("[keys]\nq = \"help\"\nF1 = \"quit\"")).unwrap();
        let press = |c| KeyEvent::new(c, KeyModifiers::NONE);
        assert_eq!(map.action(&press(KeyCode::Char('q'))), Some(UiAction::Help));
        assert_eq!(map.action(&press(KeyCode::F(1))), Some(UiAction::Quit));
        assert_eq!(map.action(&press(KeyCode::Char('K'))), Some(UiAction::Kill));
        assert_eq!(
            map.action(&KeyEvent::new(KeyCode::Char('k'), KeyModifiers::CONTROL)),
            None
        );
        assert_eq!(map.key_for(UiAction::Kill), Some("K"));
    }
}
