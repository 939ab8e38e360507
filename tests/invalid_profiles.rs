//! Invalid-profile fixtures: every `tests/invalid/NAME.toml` must fail to load with exactly
//! the text in `NAME.expected` — file, line, column, field path, message and hint — and the
//! `cutover plan check` command must print it and exit 1.

mod common;

use std::process::Command;

fn fixtures() -> Vec<(String, String, String)> {
    let dir = common::root().join("tests/invalid");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let name = format!(
                "tests/invalid/{}",
                path.file_name().unwrap().to_string_lossy()
            );
            let text = std::fs::read_to_string(&path).unwrap();
            let expected = std::fs::read_to_string(path.with_extension("expected"))
                .unwrap_or_else(|_| panic!("{name} has no .expected file"));
            out.push((name, text, expected.trim_end().to_owned()));
        }
    }
    out.sort();
    assert!(out.len() >= 15, "too few invalid-profile fixtures");
    out
}

#[test]
fn each_invalid_profile_fails_with_the_expected_text() {
    for (name, text, expected) in fixtures() {
        let err = cutover::plan::load_str(&name, &text).expect_err(&name);
        assert_eq!(err.to_string(), expected, "{name}");
    }
}

#[test]
fn plan_check_prints_every_error_and_exits_1() {
    let mut files: Vec<String> = fixtures().into_iter().map(|f| f.0).collect();
    files.insert(0, "profiles/minimal.toml".into());
    let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .current_dir(common::root())
        .arg("plan")
        .arg("check")
        .args(&files)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    for (name, _, expected) in fixtures() {
        assert!(
            stderr.contains(&expected),
            "{name} missing from plan check output:\n{stderr}"
        );
    }
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert!(stdout.contains("profiles/minimal.toml: ok"), "{stdout}");
}

#[test]
fn every_shipped_profile_is_valid_and_plan_check_exits_0() {
    let profiles: Vec<String> = [
        "minimal",
        "vividwalls",
        "aixtiv",
        "aigentflow",
        "react-playbook",
    ]
    .iter()
    .map(|p| format!("profiles/{p}.toml"))
    .collect();
    let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .current_dir(common::root())
        .arg("plan")
        .arg("check")
        .args(&profiles)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn plan_show_outlines_the_plan() {
    let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .current_dir(common::root())
        .args(["plan", "show", "profiles/vividwalls.toml"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    for expected in [
        "VividWalls MAS: 48 legacy agents → 28 enhanced (vividwalls-mas)",
        "sales/commercial_buyers            risk high, rollback immediate, excluded until progressive",
        "set pilot/new_visitors → canary 5%",
        "gate cfo-signoff: sign-off by cfo",
        "error-rate               error_rate per department, for 2, enforce: info 0.01 → notify; warning 0.02 → notify; critical 0.05 → rollback_scope",
        "protect-checkout",
    ] {
        assert!(text.contains(expected), "missing `{expected}` in:\n{text}");
    }
}

#[test]
fn a_missing_profile_file_is_a_clear_error() {
    let out = Command::new(env!("CARGO_BIN_EXE_cutover"))
        .current_dir(common::root())
        .args(["plan", "check", "profiles/nope.toml"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(
        stderr.starts_with("profiles/nope.toml: cannot read: No such file"),
        "{stderr}"
    );
}

#[test]
fn questionable_plans_pass_with_warnings_and_fail_with_strict() {
    let dir = common::root();
    let expected =
        std::fs::read_to_string(dir.join("tests/warnings/questionable.expected")).unwrap();
    let check = |strict: bool| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_cutover"));
        c.current_dir(&dir).args(["plan", "check"]);
        if strict {
            c.arg("--strict");
        }
        c.arg("tests/warnings/questionable.toml").output().unwrap()
    };
    let lenient = check(false);
    assert_eq!(lenient.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&lenient.stderr), expected);
    assert!(String::from_utf8_lossy(&lenient.stdout).contains("4 warning(s)"));
    let strict = check(true);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&strict.stderr).contains("4 warning(s), refused with --strict")
    );
    // The profiles that ship have none.
    for profile in [
        "aigentflow",
        "aixtiv",
        "minimal",
        "react-playbook",
        "vividwalls",
    ] {
        let plan = common::profile(profile);
        let text = std::fs::read_to_string(dir.join(format!("profiles/{profile}.toml"))).unwrap();
        assert!(
            cutover::plan::warnings(&text, &plan).is_empty(),
            "{profile}"
        );
    }
}

#[test]
fn overriding_one_cohort_of_a_department_is_not_questionable() {
    let text =
        std::fs::read_to_string(common::root().join("tests/warnings/override.toml")).unwrap();
    let plan = cutover::plan::load_str("override.toml", &text).unwrap();
    let warnings = cutover::plan::warnings(&text, &plan);
    let paths: Vec<&str> = warnings.iter().map(|w| w.path.as_str()).collect();
    assert_eq!(paths, ["phases[0].steps[1].set[1]"], "{warnings:?}");
}
