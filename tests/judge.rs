//! The judge on VividWalls windows: verdicts per metric, the Kayenta-style score and its
//! pass / marginal / fail thresholds, no data with too few intervals, the tolerance, the
//! direction of `better`, and rollups per department versus overall.

mod common;

use std::collections::BTreeMap;

use common::{Value, Values, t0};
use cutover::judge::{MetricVerdict, Verdict, judge};
use cutover::metrics::Readings;
use cutover::plan::Plan;
use cutover::time::Period;

fn healthy() -> Values {
    [
        ("error_rate", Value::Pair([0.010, 0.010])),
        ("response_time", Value::Pair([1.20, 1.20])),
        ("revenue", Value::Pair([50.0, 50.0])),
        ("order_completion", Value::Pair([0.97, 0.97])),
        ("satisfaction", Value::Pair([4.3, 4.3])),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v))
    .collect()
}

fn windows(plan: &Plan, n: u64, overrides: &BTreeMap<String, Values>) -> Vec<Readings> {
    (1..=n)
        .map(|i| {
            Readings::index(
                plan,
                &common::window(
                    plan,
                    t0().plus(Period::minutes(10 * i)),
                    &healthy(),
                    overrides,
                    i,
                ),
            )
        })
        .collect()
}

fn with(scope: &str, metric: &str, value: Value) -> BTreeMap<String, Values> {
    [(scope.to_owned(), [(metric.to_owned(), value)].into())].into()
}

fn verdict_of(j: &cutover::judge::Judgement, metric: &str) -> MetricVerdict {
    j.metrics
        .iter()
        .find(|m| m.metric == metric)
        .unwrap()
        .verdict
}

#[test]
fn equal_systems_pass_with_full_score() {
    let plan = common::profile("vividwalls");
    let j = judge(&plan, &windows(&plan, 12, &BTreeMap::new()), &|_| true);
    assert_eq!(j.score, Some(100.0));
    assert_eq!(j.verdict, Verdict::Pass);
    assert_eq!(j.metrics.len(), 5, "single-valued metrics are not compared");
}

#[test]
fn one_failing_metric_of_five_is_marginal_two_fail_and_a_critical_one_fails_alone() {
    let plan = common::profile("vividwalls");
    let orders = with("sales", "order_completion", Value::Pair([0.97, 0.40]));
    let j = judge(&plan, &windows(&plan, 12, &orders), &|_| true);
    assert_eq!(verdict_of(&j, "order_completion"), MetricVerdict::Fail);
    assert_eq!(j.score, Some(80.0));
    assert_eq!(j.verdict, Verdict::Marginal);
    let comparison = j
        .metrics
        .iter()
        .find(|m| m.metric == "order_completion")
        .unwrap();
    assert!(comparison.p_value.unwrap() < 0.01);
    assert!(comparison.delta.unwrap() < 0.0 && comparison.relative.unwrap() < -0.1);
    assert_eq!(comparison.enhanced_history.len(), 12);

    let mut two = orders.clone();
    two.get_mut("sales")
        .unwrap()
        .insert("revenue".into(), Value::Pair([50.0, 20.0]));
    let j = judge(&plan, &windows(&plan, 12, &two), &|_| true);
    // Sales is 4 of 19 cohorts: a 60 % drop there is about 13 % overall, past the tolerance.
    assert_eq!(
        verdict_of(&j, "revenue"),
        MetricVerdict::Fail,
        "lower revenue is worse"
    );
    assert_eq!(j.score, Some(60.0));
    assert_eq!(j.verdict, Verdict::Fail);

    // error_rate is marked critical in the profile: failing alone, it fails the comparison
    // and scores it 0, so a gate on the score holds the step as well.
    let errors = with("sales", "error_rate", Value::Pair([0.010, 0.030]));
    let j = judge(&plan, &windows(&plan, 12, &errors), &|_| true);
    assert_eq!(verdict_of(&j, "error_rate"), MetricVerdict::Fail);
    assert_eq!((j.score, j.verdict), (Some(0.0), Verdict::Fail));
}

#[test]
fn better_enhanced_values_pass() {
    let plan = common::profile("vividwalls");
    let j = judge(
        &plan,
        &windows(
            &plan,
            12,
            &with("sales", "revenue", Value::Pair([50.0, 60.0])),
        ),
        &|_| true,
    );
    assert_eq!(verdict_of(&j, "revenue"), MetricVerdict::Pass);
    let j = judge(
        &plan,
        &windows(
            &plan,
            12,
            &with("sales", "response_time", Value::Pair([1.2, 0.8])),
        ),
        &|_| true,
    );
    assert_eq!(verdict_of(&j, "response_time"), MetricVerdict::Pass);
}

#[test]
fn a_worsening_within_tolerance_passes() {
    let plan = common::profile("vividwalls");
    // 1 % slower everywhere: significant, but under the profile's 5 % tolerance.
    let everywhere: BTreeMap<String, Values> = plan
        .profile()
        .departments
        .iter()
        .map(|d| {
            (
                d.id.clone(),
                [("response_time".to_owned(), Value::Pair([1.20, 1.212]))].into(),
            )
        })
        .collect();
    let j = judge(&plan, &windows(&plan, 12, &everywhere), &|_| true);
    let rt = j
        .metrics
        .iter()
        .find(|m| m.metric == "response_time")
        .unwrap();
    assert!(
        rt.p_value.unwrap() < 0.05,
        "the difference is significant: {rt:?}"
    );
    assert_eq!(rt.verdict, MetricVerdict::Pass);
}

#[test]
fn too_few_intervals_is_no_data_and_a_human_decides() {
    let plan = common::profile("vividwalls");
    let j = judge(&plan, &windows(&plan, 3, &BTreeMap::new()), &|_| true);
    assert!(j.metrics.iter().all(|m| m.verdict == MetricVerdict::NoData));
    assert_eq!(j.score, None);
    assert_eq!(j.verdict, Verdict::NoData);
    let j = judge(&plan, &[], &|_| true);
    assert_eq!(j.verdict, Verdict::NoData);
}

#[test]
fn a_department_breach_shows_in_its_rollup_and_not_in_others() {
    let plan = common::profile("vividwalls");
    let w = windows(
        &plan,
        12,
        &with("sales", "error_rate", Value::Pair([0.010, 0.030])),
    );
    let dept = |id: &str| {
        let d = plan.department_index(id).unwrap();
        let plan = &plan;
        move |c: usize| plan.cohorts()[c].department == d
    };
    let sales = judge(&plan, &w, &dept("sales"));
    let marketing = judge(&plan, &w, &dept("marketing"));
    assert_eq!(verdict_of(&sales, "error_rate"), MetricVerdict::Fail);
    assert_eq!(verdict_of(&marketing, "error_rate"), MetricVerdict::Pass);
    let collectors = plan.cohort_index("sales/individual_collectors").unwrap();
    let one = judge(&plan, &w, &|c| c == collectors);
    assert_eq!(verdict_of(&one, "error_rate"), MetricVerdict::Fail);
    assert!((one.metrics[0].legacy.unwrap() - 0.01).abs() < 0.001);
}

#[test]
fn rollups_cover_exposed_scopes_only() {
    use cutover::engine::{self, EngineState, Input};
    let plan = common::profile("vividwalls");
    let mut state = EngineState::new(&plan, t0());
    // In the first step every cohort not excluded is in shadow; excluded ones stay legacy.
    for w in 1..=6 {
        let window = common::window(
            &plan,
            t0().plus(Period::minutes(10 * w)),
            &healthy(),
            &with("sales", "error_rate", Value::Pair([0.01, 0.04])),
            w,
        );
        engine::handle(&plan, &mut state, Input::Metrics(window));
    }
    let r = engine::compare::rollups(&plan, &state);
    assert_eq!(r.departments.len(), 6);
    assert!(
        !r.cohorts.contains_key("sales/commercial_buyers"),
        "excluded, so not exposed"
    );
    assert_eq!(
        verdict_of(&r.departments["sales"], "error_rate"),
        MetricVerdict::Fail
    );
    assert_eq!(
        verdict_of(&r.departments["marketing"], "error_rate"),
        MetricVerdict::Pass
    );
    assert_eq!(
        verdict_of(&r.cohorts["sales/interior_designers"], "error_rate"),
        MetricVerdict::Fail
    );
}
