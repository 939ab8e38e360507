//! `PromQL` templates of a profile's metrics: the `{{cohort}}`, `{{department}}` and
//! `{{variant}}` placeholders (spaces inside the braces allowed, `{{ cohort }}`), found for
//! checking and filled for querying by one reading of the template. No IO.

/// Each placeholder's name, in order (trimmed; possibly unknown).
pub fn names(template: &str) -> Vec<&str> {
    pieces(template)
        .into_iter()
        .filter_map(|p| match p {
            Piece::Placeholder(name) => Some(name),
            Piece::Text(_) => None,
        })
        .collect()
}

/// The template with each known placeholder filled in; unknown ones are left as written.
#[must_use]
pub fn fill(template: &str, cohort: &str, department: &str, variant: &str) -> String {
    let mut out = String::with_capacity(template.len() + 32);
    for piece in pieces(template) {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Placeholder("cohort") => out.push_str(cohort),
            Piece::Placeholder("department") => out.push_str(department),
            Piece::Placeholder("variant") => out.push_str(variant),
            Piece::Placeholder(other) => {
                out.push_str("{{");
                out.push_str(other);
                out.push_str("}}");
            }
        }
    }
    out
}

enum Piece<'a> {
    Text(&'a str),
    Placeholder(&'a str),
}

fn pieces(template: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest.find("{{") {
        let Some(len) = rest[start..].find("}}") else {
            break;
        };
        out.push(Piece::Text(&rest[..start]));
        out.push(Piece::Placeholder(rest[start + 2..start + len].trim()));
        rest = &rest[start + len + 2..];
    }
    out.push(Piece::Text(rest));
    out
}

#[cfg(test)]
mod tests {
    use super::{fill, names};

    #[test]
    fn spaced_and_tight_placeholders_are_the_same() {
        let t = r#"rate(errors{cohort="{{ cohort }}",dept="{{department}}",v="{{variant }}"}[5m])"#;
        assert_eq!(names(t), ["cohort", "department", "variant"]);
        assert_eq!(
            fill(t, "sales/designers", "sales", "enhanced"),
            r#"rate(errors{cohort="sales/designers",dept="sales",v="enhanced"}[5m])"#
        );
        assert_eq!(fill("up{{x}} {{", "c", "d", "v"), "up{{x}} {{");
    }
}
