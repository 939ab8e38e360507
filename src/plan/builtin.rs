//! The profiles shipped with cutover, embedded in the binary so that `--profile aixtiv` works
//! from any directory; a path to a file works too.

use std::path::Path;

use super::{Plan, PlanError, load_file, load_str};

/// Embedded profiles by name.
pub const PROFILES: &[(&str, &str)] = &[
    ("vividwalls", include_str!("../../profiles/vividwalls.toml")),
    ("aixtiv", include_str!("../../profiles/aixtiv.toml")),
    ("aigentflow", include_str!("../../profiles/aigentflow.toml")),
    (
        "react-playbook",
        include_str!("../../profiles/react-playbook.toml"),
    ),
    ("minimal", include_str!("../../profiles/minimal.toml")),
];

/// Loads a profile by path, or by the name of an embedded one.
pub fn load(spec: &str) -> Result<Plan, PlanError> {
    let path = Path::new(spec);
    if path.exists() {
        return load_file(path);
    }
    if let Some((name, text)) = PROFILES.iter().find(|(n, _)| *n == spec) {
        return load_str(&format!("(built-in) profiles/{name}.toml"), text);
    }
    let names: Vec<_> = PROFILES.iter().map(|(n, _)| *n).collect();
    Err(PlanError {
        file: spec.to_owned(),
        problems: Vec::new(),
        io: Some(format!(
            "no such file, and not a built-in profile ({})",
            names.join(", ")
        )),
    })
}
