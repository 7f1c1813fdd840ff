//! The migration screen's decisions driven by keys on the demo: friction, undo and redo, bulk
//! accept tier by tier, marks, leavers, filters, the risk pane, and the property that undo
//! returns the mapping and the planner's figures to what they were.

use super::*;
use crate::fixture::demo::{demo_ground_truth, load_demo};
use crate::mapping::tier::Tier;
use crate::mapping::Status;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use std::cell::RefCell;

fn demo() -> Migration {
    let org = load_demo();
    Migration::new(MigrationInputs {
        baseline: org.baseline,
        current: org.current,
        mapping: Mapping::new(),
        mapping_path: Some(PathBuf::from("/nonexistent/map.csv")),
        mapping_file_exists: false,
        options: PlanOptions::default(),
        baseline_source: "demo".into(),
        current_source: "demo".into(),
    })
}

fn at() -> DateTime<Utc> {
    "2026-12-07T21:04:11Z".parse().unwrap()
}

fn press(m: &mut Migration, code: KeyCode) -> Vec<Effect> {
    match m.on_key(&KeyEvent::new(code, KeyModifiers::NONE), at()) {
        KeyOutcome::Handled(effects) => effects,
        KeyOutcome::Global(action) => panic!("{code:?} went to the app as {action:?}"),
        KeyOutcome::Leave => panic!("{code:?} left the screen"),
        KeyOutcome::Close => panic!("{code:?} closed the screen"),
    }
}

/// Puts the cursor on the row of `id` (the list unfiltered, no search).
fn select_id(m: &mut Migration, id: &PrincipalId) {
    let row = m.old_index[id];
    m.filter = ListFilter::All;
    m.query.clear();
    m.refresh_visible();
    m.selected = m.visible.iter().position(|&r| r == row).unwrap();
    m.focus = Focus::OldPrincipals;
    m.refresh_selection();
}

fn figures(m: &Migration) -> (Mapping, Summary, Vec<RiskLine>, usize) {
    (
        m.mapping().clone(),
        m.preview.summary.clone(),
        m.preview.risks.clone(),
        m.decided_rows,
    )
}

/// The demo's first old user with a successor in the ground truth: (old id, new id).
fn first_user_with_successor() -> (PrincipalId, PrincipalId) {
    demo_ground_truth()
        .user_successors
        .iter()
        .find_map(|(old, new)| {
            Some((
                PrincipalId::from(old.as_str()),
                PrincipalId::from(new.as_ref()?.as_str()),
            ))
        })
        .unwrap()
}

/// An old principal whose best candidate is weak.
fn row_with_weak_top(m: &Migration) -> PrincipalId {
    m.rows()
        .iter()
        .find(|row| {
            m.cell
                .with_dependent(|_, e| {
                    e.suggester
                        .suggest_in(row.principal_type, &row.id, 1, &m.mapping)
                })
                .first()
                .is_some_and(|c| c.tier == Tier::Weak)
        })
        .map(|row| row.id.clone())
        .expect("the demo plants weak matches")
}

#[test]
fn enter_on_a_weak_candidate_asks_first() {
    let mut m = demo();
    let old = row_with_weak_top(&m);
    select_id(&mut m, &old);
    let candidate = m.candidates[0].clone();
    assert_eq!(candidate.tier, Tier::Weak);

    let effects = press(&mut m, KeyCode::Enter);
    assert!(effects.is_empty(), "nothing recorded yet");
    let MapMode::Ask(ask) = &m.mode else {
        panic!("weak evidence asks")
    };
    assert!(ask.reasons[0].contains("weak"), "{:?}", ask.reasons);
    // Enter again is not an answer; n leaves it as it was.
    press(&mut m, KeyCode::Enter);
    assert!(matches!(m.mode, MapMode::Ask(_)));
    press(&mut m, KeyCode::Char('n'));
    assert!(m.mapping().get(&old).is_none());

    press(&mut m, KeyCode::Enter);
    let effects = press(&mut m, KeyCode::Char('y'));
    assert_eq!(m.mapping().successor(&old), Some(&candidate.id));
    let method = m.mapping().get(&old).unwrap().method.clone().unwrap();
    assert!(method.starts_with("weak:"), "{method}");
    assert_eq!(m.decision_tier(&old), Some(Tier::Weak));
    // The autosave and the log line, which names who, whom, the tier and the key.
    let [Effect::WriteFile { .. }, Effect::AppendFile { path, contents }] = effects.as_slice()
    else {
        panic!("{effects:?}")
    };
    assert_eq!(path, &PathBuf::from("/nonexistent/map.csv.decisions.log"));
    assert!(contents.contains("key=⏎"), "{contents}");
    assert!(contents.contains("tier=weak"), "{contents}");
    assert!(contents.contains(&candidate.name), "{contents}");
    assert!(contents.starts_with("2026-12-07T21:04:11Z"), "{contents}");
}

#[test]
fn a_claimed_candidate_names_its_holder_and_the_picker_marks_it() {
    let mut m = demo();
    let truth = demo_ground_truth();
    let (first, successor) = first_user_with_successor();
    let second = truth
        .user_successors
        .iter()
        .map(|(old, _)| PrincipalId::from(old.as_str()))
        .find(|old| *old != first)
        .unwrap();
    let row = m.old_index[&first];
    m.decide(
        row,
        Some(Decision::Successor(successor.clone())),
        Some("manual"),
    );

    select_id(&mut m, &second);
    press(&mut m, KeyCode::Char('p'));
    let holder_name = m.old_name(&first).to_owned();
    let successor_name = m.current_name(&successor).to_owned();
    for c in successor_name.chars() {
        press(&mut m, KeyCode::Char(c));
    }
    let MapMode::Picker(picker) = &m.mode else {
        panic!("the picker")
    };
    let top = &m.picks(PrincipalType::User)[picker.matches[0].0];
    assert_eq!(top.id, successor);
    assert_eq!(
        m.holders_of(&top.id),
        std::slice::from_ref(&first),
        "the picker can mark it claimed"
    );
    press(&mut m, KeyCode::Enter);
    let MapMode::Ask(ask) = &m.mode else {
        panic!("a claimed successor asks")
    };
    let expected = format!("{successor_name} already succeeds {holder_name}");
    assert!(
        ask.reasons.iter().any(|r| r.contains(&expected)),
        "{:?}",
        ask.reasons
    );
    press(&mut m, KeyCode::Char('y'));
    assert_eq!(m.mapping().successor(&second), Some(&successor));
    assert!(m.is_shared(&first) && m.is_shared(&second));

    // The merge filter shows both; the risk pane lists the merge above the to-do items.
    m.filter = ListFilter::SharedSuccessor;
    m.refresh_visible();
    assert_eq!(m.visible.len(), 2);
    let first_todo = m.preview.risks.iter().position(|r| r.todo).unwrap();
    let merge = m
        .preview
        .risks
        .iter()
        .position(|r| r.message.contains("inherits from 2 old principals"))
        .unwrap();
    assert!(merge < first_todo, "decided risks come first");
    assert!(m.preview.risks[first_todo..].iter().all(|r| r.todo));
    assert_eq!(
        m.preview.risk_counts.todo,
        m.preview.risks.iter().filter(|r| r.todo).count()
    );
}

#[test]
fn replacing_a_decision_asks_and_undo_brings_back_the_successor() {
    let mut m = demo();
    let (old, new) = first_user_with_successor();
    select_id(&mut m, &old);
    let row = m.old_index[&old];
    m.decide(row, Some(Decision::Successor(new.clone())), Some("manual"));
    // A stray n asks before it replaces a good decision.
    press(&mut m, KeyCode::Char('n'));
    let MapMode::Ask(ask) = &m.mode else {
        panic!("replacing asks")
    };
    assert!(
        ask.reasons[0].contains("replaces the earlier decision"),
        "{:?}",
        ask.reasons
    );
    press(&mut m, KeyCode::Esc);
    assert_eq!(m.mapping().successor(&old), Some(&new));
    press(&mut m, KeyCode::Char('n'));
    press(&mut m, KeyCode::Char('y'));
    assert_eq!(m.mapping().status(&old), Status::NoSuccessor);
    press(&mut m, KeyCode::Char('z'));
    assert_eq!(
        m.mapping().successor(&old),
        Some(&new),
        "undo restores the successor, not merely unmaps"
    );
    press(&mut m, KeyCode::Char('Z'));
    assert_eq!(m.mapping().status(&old), Status::NoSuccessor);
    assert!(m.log.iter().any(|l| l.contains("key=z")) && m.log.iter().any(|l| l.contains("key=Z")));
}

#[test]
fn z_after_b_restores_every_decision_and_the_figures() {
    let mut m = demo();
    let before = figures(&m);
    press(&mut m, KeyCode::Char('B'));
    let MapMode::Review(review) = &m.mode else {
        panic!("B shows the exact matches for review")
    };
    assert_eq!(review.tier, Tier::Exact);
    let count = review.items.len();
    assert!(count > 50, "{count}");
    // The review list scrolls.
    press(&mut m, KeyCode::PageDown);
    let MapMode::Review(review) = &m.mode else {
        panic!()
    };
    assert!(review.offset > 0);
    press(&mut m, KeyCode::Char('y'));
    assert_eq!(m.mapping().len(), count);
    assert!(m
        .mapping()
        .iter()
        .all(|(_, e)| e.method.as_deref().is_some_and(|x| x.starts_with("exact:"))));
    let after_bulk = figures(&m);

    // B again: the strong tier, never weak.
    press(&mut m, KeyCode::Char('B'));
    let strong = match &m.mode {
        MapMode::Review(review) => {
            assert_eq!(review.tier, Tier::Strong);
            assert!(review.items.iter().all(|i| i.method.starts_with("strong:")));
            review.items.len()
        }
        _ => 0,
    };
    if strong > 0 {
        press(&mut m, KeyCode::Char('y'));
        assert_eq!(m.mapping().len(), count + strong);
        press(&mut m, KeyCode::Char('z'));
        assert_eq!(figures(&m), after_bulk, "one z undoes the strong tier");
    }
    press(&mut m, KeyCode::Char('z'));
    assert_eq!(figures(&m), before, "one z undoes the whole bulk accept");
    press(&mut m, KeyCode::Char('Z'));
    assert_eq!(figures(&m), after_bulk);
}

#[test]
fn marked_leavers_take_one_key_and_one_undo() {
    let mut m = demo();
    let before = figures(&m);
    m.filter = ListFilter::UnmappedWithAccess;
    m.refresh_visible();
    let rows: Vec<PrincipalId> = m
        .visible
        .iter()
        .take(3)
        .map(|&r| m.rows[r].id.clone())
        .collect();
    for _ in 0..3 {
        press(&mut m, KeyCode::Char(' '));
    }
    assert_eq!(m.marked.len(), 3);
    press(&mut m, KeyCode::Char('n'));
    assert!(rows
        .iter()
        .all(|id| m.mapping().status(id) == Status::NoSuccessor));
    assert!(m.marked.is_empty());
    press(&mut m, KeyCode::Char('z'));
    assert_eq!(figures(&m), before);
}

#[test]
fn a_leavers_csv_marks_no_successor() {
    let mut m = demo();
    let leavers: Vec<(PrincipalId, String)> = m
        .baseline()
        .users
        .iter()
        .take(4)
        .map(|u| {
            (
                PrincipalId::from(u.user_id.as_str()),
                u.user_name.to_uppercase(),
            )
        })
        .collect();
    let csv = format!(
        "email\n{}\nnobody@example.com\n",
        leavers
            .iter()
            .map(|(_, n)| n.as_str())
            .collect::<Vec<_>>()
            .join("\n")
    );
    m.import_leavers(&csv);
    assert!(
        matches!(m.mode, MapMode::Normal),
        "nothing was decided: no question"
    );
    for (id, _) in &leavers {
        assert_eq!(m.mapping().status(id), Status::NoSuccessor);
        assert_eq!(
            m.mapping().get(id).unwrap().method.as_deref(),
            Some("leavers_csv")
        );
    }
    let message = m.message.clone().unwrap();
    assert!(
        message.contains("2 entries matched no old user"),
        "{message}"
    );
}

#[test]
fn the_risk_pane_focuses_scrolls_filters_and_zooms() {
    let mut m = demo();
    assert!(
        m.preview.risks.len() > 20,
        "the demo starts with many to-do risks"
    );
    press(&mut m, KeyCode::Tab);
    press(&mut m, KeyCode::Tab);
    assert_eq!(m.focus, Focus::Risks);
    m.risk_rows = 5;
    press(&mut m, KeyCode::Char('j'));
    press(&mut m, KeyCode::Char('j'));
    assert_eq!(m.risk_offset, 2);
    press(&mut m, KeyCode::Char('G'));
    assert_eq!(m.risk_offset, m.shown_risks().count() - 5);
    press(&mut m, KeyCode::Char('s'));
    assert_eq!(m.risk_filter, RiskFilter::Decided);
    assert_eq!(m.risk_offset, 0);
    assert!(m.shown_risks().all(|r| !r.todo));
    press(&mut m, KeyCode::Char('+'));
    assert!(m.risk_zoom);
    press(&mut m, KeyCode::Esc);
    assert!(!m.risk_zoom);
}

#[test]
fn the_progress_counter_counts_the_rows_of_the_list() {
    let mut m = demo();
    assert_eq!(m.decided_rows, 0);
    press(&mut m, KeyCode::Char('n'));
    assert_eq!(m.decided_rows, 1);
    assert_eq!(
        m.decided_rows,
        m.rows()
            .iter()
            .filter(|r| m.mapping().get(&r.id).is_some())
            .count()
    );
    // Users show both direct and effective access; groups only direct.
    assert!(m
        .rows()
        .iter()
        .any(|r| r.principal_type == PrincipalType::User && r.effective.unwrap() > r.access));
    assert!(m
        .rows()
        .iter()
        .all(|r| (r.principal_type == PrincipalType::Group) == r.effective.is_none()));
}

#[test]
fn sorting_by_tier_puts_exact_decisions_first() {
    let mut m = demo();
    press(&mut m, KeyCode::Char('B'));
    press(&mut m, KeyCode::Char('y'));
    press(&mut m, KeyCode::Char('o'));
    assert_eq!(m.sort, ListSort::Tier);
    let ranks: Vec<u8> = m
        .visible
        .iter()
        .map(|&r| decisions::tier_rank(m.mapping().get(&m.rows()[r].id)))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]));
}

/// Any sequence of decisions (accept, pick, no successor, unmap, bulk), undone step by step,
/// walks back through the same mappings and planner figures.
#[test]
fn undo_of_any_sequence_returns_the_mapping_and_the_figures() {
    let m = RefCell::new(demo());
    let rows = m.borrow().rows().len();
    let users = m.borrow().picks(PrincipalType::User).len();
    let groups = m.borrow().picks(PrincipalType::Group).len();
    let op = (0u8..5, 0..rows, 0..users.max(groups));
    let mut runner = TestRunner::new(Config {
        cases: 24,
        ..Config::default()
    });
    runner
        .run(&prop::collection::vec(op, 1..8), |ops| {
            let mut m = m.borrow_mut();
            let mut states = vec![figures(&m)];
            for (kind, row, pick) in ops {
                let principal_type = m.rows()[row].principal_type;
                let picks = m.picks(principal_type);
                let successor = picks[pick % picks.len()].id.clone();
                match kind {
                    0 => drop(m.decide(row, Some(Decision::Successor(successor)), Some("manual"))),
                    1 => drop(m.decide(row, Some(Decision::NoSuccessor), Some("manual"))),
                    2 => drop(m.decide(row, None, None)),
                    3 => {
                        m.offer_bulk();
                        if matches!(m.mode, MapMode::Review(_)) {
                            press(&mut m, KeyCode::Char('y'));
                        }
                    }
                    _ => {
                        m.marked.insert(row);
                        m.marked.insert((row + 1) % rows);
                        drop(m.no_successor());
                        if matches!(m.mode, MapMode::Ask(_)) {
                            press(&mut m, KeyCode::Char('y'));
                        }
                    }
                }
                m.mode = MapMode::Normal;
                m.marked.clear();
                let now = figures(&m);
                if now != *states.last().unwrap() {
                    states.push(now);
                }
            }
            for expected in states.iter().rev().skip(1) {
                press(&mut m, KeyCode::Char('z'));
                prop_assert_eq!(&figures(&m), expected);
            }
            Ok(())
        })
        .unwrap();
}
