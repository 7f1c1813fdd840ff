//! How decisions are made on the migration screen: friction matched to the evidence, tiered
//! bulk accept with a review list, marks, the leavers import, undo and redo, and the decision
//! log. Every change of the mapping goes through [`Migration::set_entry`], so the planner, the
//! claims (who succeeds whom) and the mapping never disagree.

use super::{Focus, ListFilter, MapMode, Migration};
use crate::mapping::history::{Change, Step};
use crate::mapping::log::Line as LogLine;
use crate::mapping::suggest::ExactMatch;
use crate::mapping::tier::{self, Tier};
use crate::mapping::{Decision, Entry, Status};
use crate::model::{PrincipalId, PrincipalType};
use crate::tui::app::Effect;
use crate::tui::migration::state::KeyOutcome;
use ratatui::crossterm::event::{KeyCode, KeyEvent};
use std::path::PathBuf;

/// One match of a bulk accept, as the review list shows it.
#[derive(Clone, Debug, PartialEq)]
pub struct ReviewItem {
    pub principal_type: PrincipalType,
    pub old_id: PrincipalId,
    pub old_name: String,
    pub new_id: PrincipalId,
    pub new_name: String,
    pub method: String,
    pub reason: String,
}

/// A bulk accept waiting for `y`: every match of one tier, scrollable.
#[derive(Clone, Debug)]
pub struct Review {
    pub tier: Tier,
    pub items: Vec<ReviewItem>,
    pub offset: usize,
}

/// A decision held back for a y/n: why, and what `y` does.
#[derive(Clone, Debug)]
pub struct Ask {
    pub question: String,
    /// One line per reason (weak evidence, the holder of a claimed successor, the decision
    /// replaced).
    pub reasons: Vec<String>,
    edits: Vec<(usize, Option<Entry>)>,
    key: &'static str,
    label: String,
}

/// How the list orders decided rows by tier, strongest first.
pub fn tier_rank(entry: Option<&Entry>) -> u8 {
    match entry {
        None => 5,
        Some(e) if e.decision == Decision::NoSuccessor => 4,
        Some(e) => match e.method.as_deref().and_then(Tier::of_method) {
            Some(Tier::Exact) => 0,
            Some(Tier::Strong) => 1,
            Some(Tier::Weak) => 2,
            None => 3,
        },
    }
}

impl Migration {
    // -----------------------------------------------------------------------------------------
    // Reading

    /// The old principals whose successor is `new` (empty when nobody claims it).
    pub fn holders_of(&self, new: &PrincipalId) -> &[PrincipalId] {
        self.holders.get(new).map_or(&[], Vec::as_slice)
    }

    /// Whether the old principal shares its successor with another (a merge).
    pub fn is_shared(&self, old: &PrincipalId) -> bool {
        self.mapping
            .successor(old)
            .is_some_and(|s| self.holders_of(s).len() > 1)
    }

    /// The tier of the decision on `old` (`None`: undecided, no successor, or by hand).
    pub fn decision_tier(&self, old: &PrincipalId) -> Option<Tier> {
        let entry = self.mapping.get(old)?;
        match entry.decision {
            Decision::Successor(_) => entry.method.as_deref().and_then(Tier::of_method),
            Decision::NoSuccessor => None,
        }
    }

    /// Steps that `z` and `Z` can take.
    pub fn undo_depth(&self) -> (usize, usize) {
        (self.history.can_undo(), self.history.can_redo())
    }

    /// Whether a row passes the list filter (the search aside).
    pub(super) fn passes(&self, row: usize) -> bool {
        let row = &self.rows[row];
        match self.filter {
            ListFilter::All => true,
            ListFilter::UnmappedWithAccess => row.access > 0 && self.mapping.get(&row.id).is_none(),
            ListFilter::Weak => match self.mapping.get(&row.id) {
                Some(e) => {
                    matches!(e.decision, Decision::Successor(_))
                        && e.method.as_deref().and_then(Tier::of_method) != Some(Tier::Exact)
                        && e.method.as_deref().and_then(Tier::of_method) != Some(Tier::Strong)
                }
                None => false,
            },
            ListFilter::SharedSuccessor => self.is_shared(&row.id),
            ListFilter::NoSuccessor => self.mapping.status(&row.id) == Status::NoSuccessor,
        }
    }

    // -----------------------------------------------------------------------------------------
    // The one way the mapping changes

    /// Sets the entry of one old principal in the planner, the mapping and the claims.
    fn set_entry(
        &mut self,
        principal_type: PrincipalType,
        old_id: &PrincipalId,
        entry: Option<Entry>,
    ) -> Result<(), String> {
        let decision = entry.as_ref().map(|e| e.decision.clone());
        self.cell
            .with_dependent_mut(|_, e| {
                e.planner
                    .decide(principal_type, old_id.as_str(), decision.as_ref())
            })
            .map_err(|error| error.to_string())?;
        if let Some(before) = self.mapping.successor(old_id).cloned() {
            if let Some(list) = self.holders.get_mut(&before) {
                list.retain(|o| o != old_id);
                if list.is_empty() {
                    self.holders.remove(&before);
                }
            }
        }
        if let Some(Decision::Successor(new)) = &decision {
            self.holders
                .entry(new.clone())
                .or_default()
                .push(old_id.clone());
        }
        self.mapping.set(old_id.clone(), entry);
        Ok(())
    }

    /// Applies edits as one step of the history (one undo), logs them, re-plans, autosaves.
    fn apply_edits(
        &mut self,
        edits: Vec<(usize, Option<Entry>)>,
        key: &'static str,
        label: String,
    ) -> Vec<Effect> {
        let mut changes = Vec::new();
        let mut log = String::new();
        let mut failed = None;
        for (row, after) in edits {
            let (principal_type, old_id) =
                (self.rows[row].principal_type, self.rows[row].id.clone());
            let before = self.mapping.get(&old_id).cloned();
            if before == after {
                continue;
            }
            if let Err(error) = self.set_entry(principal_type, &old_id, after.clone()) {
                failed = Some(format!("cannot record that: {error}"));
                continue;
            }
            log.push_str(&self.log_line(key, principal_type, &old_id, after.as_ref()));
            changes.push(Change {
                principal_type,
                old_id,
                before,
                after,
            });
        }
        let changed = changes.len();
        // Marks are consumed by the decision they were made for.
        self.marked.clear();
        self.history.record(Step {
            label: label.clone(),
            changes,
        });
        self.message = Some(match failed {
            Some(error) => error,
            None if changed == 0 => format!("{label}: nothing changed"),
            None => format!("{label} · z undoes"),
        });
        self.after_edit(log)
    }

    fn log_line(
        &mut self,
        key: &str,
        principal_type: PrincipalType,
        old_id: &PrincipalId,
        after: Option<&Entry>,
    ) -> String {
        let new_name = match after.map(|e| &e.decision) {
            Some(Decision::Successor(new)) => self.current_name(new),
            _ => "",
        };
        let line = LogLine {
            at: self.now,
            key,
            principal_type,
            old_id,
            old_name: self.old_name(old_id),
            after,
            new_name,
        }
        .render();
        self.log.push(line.trim_end().to_owned());
        line
    }

    /// Records one decision (`None`: unmap) at once, without asking: what the keys do once
    /// the friction is passed (and what tests use to set up a mapping).
    pub fn decide(
        &mut self,
        row: usize,
        decision: Option<Decision>,
        method: Option<&str>,
    ) -> Vec<Effect> {
        let entry = decision.map(|decision| Entry {
            principal_type: self.rows[row].principal_type,
            decision,
            method: method.map(str::to_owned),
            note: None,
        });
        let label = self.describe(row, entry.as_ref());
        self.apply_edits(vec![(row, entry)], "api", label)
    }

    fn describe(&self, row: usize, entry: Option<&Entry>) -> String {
        let name = &self.rows[row].name;
        match entry.map(|e| &e.decision) {
            Some(Decision::Successor(new)) => {
                format!("{name} → {}", or_id(self.current_name(new), new))
            }
            Some(Decision::NoSuccessor) => format!("{name}: no successor"),
            None => format!("{name}: unmapped"),
        }
    }

    /// A decision from a key, with friction matched to the evidence: it asks y/n first when
    /// the evidence is weak, when the successor already succeeds another old principal (named),
    /// or when it replaces an earlier decision.
    pub(super) fn request(
        &mut self,
        rows: Vec<usize>,
        decision: Option<Decision>,
        method: Option<String>,
        evidence: Option<(Tier, String)>,
        key: &'static str,
    ) -> Vec<Effect> {
        let mut reasons = Vec::new();
        if let Some((Tier::Weak, reason)) = &evidence {
            reasons.push(format!(
                "the evidence is weak ({reason}): a name, not an identifier; check it is the same person or group"
            ));
        }
        if let Some(Decision::Successor(new)) = &decision {
            let others: Vec<&PrincipalId> = self
                .holders_of(new)
                .iter()
                .filter(|o| !rows.iter().any(|&r| &self.rows[r].id == *o))
                .collect();
            if let Some(holder) = others.first() {
                reasons.push(format!(
                    "{} already succeeds {}{}: both would merge into it",
                    or_id(self.current_name(new), new),
                    or_id(self.old_name(holder), holder),
                    if others.len() > 1 {
                        format!(" and {} more", others.len() - 1)
                    } else {
                        String::new()
                    }
                ));
            }
        }
        let replaced: Vec<usize> = rows
            .iter()
            .copied()
            .filter(|&r| {
                self.mapping
                    .get(&self.rows[r].id)
                    .is_some_and(|e| Some(&e.decision) != decision.as_ref())
            })
            .collect();
        if let Some(&first) = replaced.first() {
            let before = self.describe(first, self.mapping.get(&self.rows[first].id));
            reasons.push(if replaced.len() == 1 {
                format!("it replaces the earlier decision ({before})")
            } else {
                format!(
                    "it replaces {} earlier decisions ({before}, …)",
                    replaced.len()
                )
            });
        }
        let edits: Vec<(usize, Option<Entry>)> = rows
            .iter()
            .map(|&r| {
                let entry = decision.clone().map(|decision| Entry {
                    principal_type: self.rows[r].principal_type,
                    decision,
                    method: method.clone(),
                    note: None,
                });
                (r, entry)
            })
            .collect();
        let label = match rows.as_slice() {
            [one] => self.describe(*one, edits[0].1.as_ref()),
            many => format!(
                "{} principals: {}",
                many.len(),
                match &decision {
                    Some(Decision::NoSuccessor) => "no successor",
                    Some(Decision::Successor(_)) => "mapped",
                    None => "unmapped",
                }
            ),
        };
        if reasons.is_empty() {
            return self.apply_edits(edits, key, label);
        }
        self.mode = MapMode::Ask(Ask {
            question: format!("{label}?"),
            reasons,
            edits,
            key,
            label,
        });
        Vec::new()
    }

    pub(super) fn on_ask_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                let MapMode::Ask(ask) = std::mem::replace(&mut self.mode, MapMode::Normal) else {
                    return Vec::new();
                };
                self.marked.clear();
                self.apply_edits(ask.edits, ask.key, ask.label)
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                self.mode = MapMode::Normal;
                self.message = Some("not changed".to_owned());
                Vec::new()
            }
            // Enter is not an answer: the key that asked must not also confirm.
            _ => Vec::new(),
        }
    }

    // -----------------------------------------------------------------------------------------
    // The keys

    pub(super) fn accept_candidate(&mut self) -> Vec<Effect> {
        let Some(row) = self.selected_index() else {
            return Vec::new();
        };
        match self.candidates.get(self.candidate_selected) {
            Some(c) => {
                let (id, method) = (c.id.clone(), c.method.clone());
                let evidence = (c.tier, c.reason.clone());
                self.request(
                    vec![row],
                    Some(Decision::Successor(id)),
                    Some(method),
                    Some(evidence),
                    "⏎",
                )
            }
            None => {
                self.message = Some(format!(
                    "no suggestion for {}: p picks a successor by hand, n marks no successor",
                    self.rows[row].name
                ));
                Vec::new()
            }
        }
    }

    /// ⏎ with marks: each marked principal takes its best candidate when it is `exact` or
    /// `strong` and unclaimed; the others are left for one-by-one review.
    pub(super) fn accept_marked(&mut self) -> Vec<Effect> {
        let marked: Vec<usize> = self.marked.iter().copied().collect();
        let mut edits = Vec::new();
        let mut skipped = 0;
        for row in marked {
            let (principal_type, id) = (self.rows[row].principal_type, self.rows[row].id.clone());
            let best = self
                .cell
                .with_dependent(|_, e| {
                    e.suggester
                        .suggest_in(principal_type, &id, 1, &self.mapping)
                })
                .into_iter()
                .next();
            match best {
                Some(c)
                    if c.tier <= Tier::Strong
                        && self.holders_of(&c.principal_id).is_empty()
                        && self.mapping.get(&id).is_none() =>
                {
                    edits.push((
                        row,
                        Some(Entry {
                            principal_type,
                            decision: Decision::Successor(c.principal_id.clone()),
                            method: Some(c.method()),
                            note: None,
                        }),
                    ));
                }
                _ => skipped += 1,
            }
        }
        self.marked.clear();
        let accepted = edits.len();
        let mut effects = self.apply_edits(edits, "⏎", format!("accepted {accepted} marked"));
        if skipped > 0 {
            self.message = Some(format!(
                "accepted {accepted} marked · {skipped} left: decided already, or no unclaimed exact or strong candidate (decide those one by one) · z undoes"
            ));
        }
        std::mem::take(&mut effects)
    }

    pub(super) fn no_successor(&mut self) -> Vec<Effect> {
        let rows = self.acted_rows();
        if rows.is_empty() {
            return Vec::new();
        }
        self.request(
            rows,
            Some(Decision::NoSuccessor),
            Some("manual".to_owned()),
            None,
            "n",
        )
    }

    pub(super) fn unmap(&mut self) -> Vec<Effect> {
        let rows = self.acted_rows();
        if rows.is_empty() {
            return Vec::new();
        }
        self.marked.clear();
        let edits = rows.iter().map(|&r| (r, None)).collect();
        let label = match rows.as_slice() {
            [one] => self.describe(*one, None),
            many => format!("{} principals: unmapped", many.len()),
        };
        self.apply_edits(edits, "u", label)
    }

    /// The marked rows, else the selected one.
    fn acted_rows(&self) -> Vec<usize> {
        if self.marked.is_empty() {
            self.selected_index().into_iter().collect()
        } else {
            self.marked.iter().copied().collect()
        }
    }

    pub(super) fn toggle_mark(&mut self) {
        let Some(row) = self.selected_index() else {
            return;
        };
        if !self.marked.remove(&row) {
            self.marked.insert(row);
        }
        self.message = Some(format!(
            "{} marked: n no successor · u unmap · ⏎ accept the exact/strong ones · esc clears",
            self.marked.len()
        ));
        self.move_selection(1);
    }

    /// The decision under the cursor, and why.
    pub(super) fn explain(&mut self) {
        let Some(row) = self.selected_row() else {
            return;
        };
        let text = match self.mapping.get(&row.id) {
            None => format!("{}: undecided", row.name),
            Some(entry) => {
                let method = entry.method.as_deref().unwrap_or("not recorded");
                let how = match method.split_once(':') {
                    Some((tier, evidence)) => {
                        format!("{tier} evidence: {}", evidence.replace('+', ", "))
                    }
                    None if method == "manual" => "decided by hand".to_owned(),
                    None => format!("method {method}"),
                };
                let holders = match &entry.decision {
                    Decision::Successor(new) if self.holders_of(new).len() > 1 => format!(
                        " · shared with {} other old principal(s)",
                        self.holders_of(new).len() - 1
                    ),
                    _ => String::new(),
                };
                format!(
                    "{} · {how}{holders}",
                    self.describe(self.old_index[&row.id], Some(entry))
                )
            }
        };
        self.message = Some(text);
    }

    // -----------------------------------------------------------------------------------------
    // Bulk accept, tier by tier

    /// `B`: the exact matches still open, for review; when none is left, the unclaimed strong
    /// ones. Never weak ones.
    pub(super) fn offer_bulk(&mut self) {
        let exact: Vec<ExactMatch> = self
            .exact
            .iter()
            .filter(|m| {
                self.mapping.get(&m.old_id).is_none() && self.holders_of(&m.new_id).is_empty()
            })
            .cloned()
            .collect();
        if !exact.is_empty() {
            self.offer_exact_matches(exact);
            return;
        }
        let proposals = self
            .cell
            .with_dependent(|_, e| e.suggester.unambiguous(Tier::Strong, &self.mapping));
        let items: Vec<ReviewItem> = proposals
            .into_iter()
            .filter(|p| p.candidate.tier == Tier::Strong && self.old_index.contains_key(&p.old_id))
            .map(|p| ReviewItem {
                principal_type: p.principal_type,
                old_name: self.old_name(&p.old_id).to_owned(),
                new_name: self.current_name(&p.candidate.principal_id).to_owned(),
                method: p.candidate.method(),
                reason: p.candidate.reason.clone(),
                old_id: p.old_id,
                new_id: p.candidate.principal_id,
            })
            .collect();
        self.open_review(
            Tier::Strong,
            items,
            "no exact or unclaimed strong match is left; weak ones are never bulk-accepted: decide them one by one (f shows the work queue)",
        );
    }

    /// The review list of a bulk accept, or `when_empty` said in the footer.
    fn open_review(&mut self, tier: Tier, items: Vec<ReviewItem>, when_empty: &str) {
        if items.is_empty() {
            self.message = Some(when_empty.to_owned());
        } else {
            self.mode = MapMode::Review(Review {
                tier,
                items,
                offset: 0,
            });
        }
    }

    /// Opens the review of `matches` (exact evidence) for `y`; only undecided ones.
    pub fn offer_exact_matches(&mut self, matches: Vec<ExactMatch>) {
        let items: Vec<ReviewItem> = matches
            .into_iter()
            .filter(|m| self.mapping.status(&m.old_id) == Status::Unmapped)
            .map(|m| ReviewItem {
                principal_type: m.principal_type,
                old_name: self.old_name(&m.old_id).to_owned(),
                new_name: self.current_name(&m.new_id).to_owned(),
                method: tier::method(Tier::Exact, &m.evidence),
                reason: m
                    .evidence
                    .iter()
                    .map(|e| e.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                old_id: m.old_id,
                new_id: m.new_id,
            })
            .collect();
        self.open_review(
            Tier::Exact,
            items,
            "no unambiguous exact match is left to accept: accept or pick the rest one by one",
        );
    }

    pub(super) fn on_review_key(&mut self, key: &KeyEvent) -> Vec<Effect> {
        let rows = self.list_rows.max(1);
        let MapMode::Review(review) = &mut self.mode else {
            return Vec::new();
        };
        let last = review.items.len().saturating_sub(1);
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => {
                let MapMode::Review(review) = std::mem::replace(&mut self.mode, MapMode::Normal)
                else {
                    return Vec::new();
                };
                return self.accept_review(review);
            }
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc | KeyCode::Char('q') => {
                self.mode = MapMode::Normal;
                self.message = Some("nothing accepted".to_owned());
            }
            KeyCode::Down | KeyCode::Char('j') => review.offset = (review.offset + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => review.offset = review.offset.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => {
                review.offset = (review.offset + rows).min(last)
            }
            KeyCode::PageUp => review.offset = review.offset.saturating_sub(rows),
            KeyCode::Home | KeyCode::Char('g') => review.offset = 0,
            KeyCode::End | KeyCode::Char('G') => review.offset = last,
            _ => {}
        }
        Vec::new()
    }

    fn accept_review(&mut self, review: Review) -> Vec<Effect> {
        let edits: Vec<(usize, Option<Entry>)> = review
            .items
            .into_iter()
            .filter_map(|item| {
                let row = *self.old_index.get(&item.old_id)?;
                if self.mapping.get(&item.old_id).is_some() {
                    return None;
                }
                let entry = Entry {
                    principal_type: item.principal_type,
                    decision: Decision::Successor(item.new_id),
                    method: Some(item.method),
                    note: None,
                };
                Some((row, Some(entry)))
            })
            .collect();
        let count = edits.len();
        let label = format!(
            "accepted {count} {} match{}",
            review.tier.label(),
            if count == 1 { "" } else { "es" }
        );
        let effects = self.apply_edits(edits, "B", label.clone());
        if review.tier == Tier::Exact {
            self.message = Some(format!(
                "{label} · B again reviews the unclaimed strong matches · z undoes"
            ));
        }
        effects
    }

    // -----------------------------------------------------------------------------------------
    // Undo, redo, the log

    pub fn undo(&mut self) -> Vec<Effect> {
        let Some((label, assignments)) = self.history.undo() else {
            self.message = Some("nothing to undo".to_owned());
            return Vec::new();
        };
        let log = self.restore(assignments, "z");
        self.message = Some(format!("undid: {label} · Z redoes"));
        self.after_edit(log)
    }

    pub fn redo(&mut self) -> Vec<Effect> {
        let Some((label, assignments)) = self.history.redo() else {
            self.message = Some("nothing to redo".to_owned());
            return Vec::new();
        };
        let log = self.restore(assignments, "Z");
        self.message = Some(format!("redid: {label} · z undoes"));
        self.after_edit(log)
    }

    fn restore(
        &mut self,
        assignments: crate::mapping::history::Assignments,
        key: &'static str,
    ) -> String {
        let mut log = String::new();
        for (principal_type, old_id, entry) in assignments {
            // The history only holds entries the planner accepted before.
            if self
                .set_entry(principal_type, &old_id, entry.clone())
                .is_ok()
            {
                log.push_str(&self.log_line(key, principal_type, &old_id, entry.as_ref()));
            }
        }
        log
    }

    pub(super) fn on_log_key(&mut self, key: &KeyEvent) {
        let rows = self.list_rows.max(1);
        let MapMode::Log { offset } = &mut self.mode else {
            return;
        };
        let last = self.log.len().saturating_sub(1);
        let at = (*offset).min(last);
        *offset = match key.code {
            KeyCode::Esc | KeyCode::Char('q') | KeyCode::Char('L') => {
                self.mode = MapMode::Normal;
                return;
            }
            KeyCode::Down | KeyCode::Char('j') => (at + 1).min(last),
            KeyCode::Up | KeyCode::Char('k') => at.saturating_sub(1),
            KeyCode::PageDown | KeyCode::Char(' ') => (at + rows).min(last),
            KeyCode::PageUp => at.saturating_sub(rows),
            KeyCode::Home | KeyCode::Char('g') => 0,
            KeyCode::End | KeyCode::Char('G') => last,
            _ => at,
        };
    }

    // -----------------------------------------------------------------------------------------
    // Leavers

    pub(super) fn on_import_key(&mut self, key: &KeyEvent) -> KeyOutcome {
        let MapMode::Import(path) = &mut self.mode else {
            return KeyOutcome::Handled(Vec::new());
        };
        match key.code {
            KeyCode::Esc => self.mode = MapMode::Normal,
            KeyCode::Enter => {
                let path = PathBuf::from(path.trim());
                self.mode = MapMode::Normal;
                if !path.as_os_str().is_empty() {
                    // Reading the file is the app's I/O (see hook.rs); deciding is ours.
                    self.pending_import = Some(path);
                }
            }
            KeyCode::Backspace => {
                path.pop();
            }
            KeyCode::Char(c) => path.push(c),
            _ => {}
        }
        KeyOutcome::Handled(Vec::new())
    }

    /// Marks the old users a leavers list names (by user name or email, any column, any case)
    /// "no successor", as one step. Users decided otherwise are listed in a y/n first.
    pub fn import_leavers(&mut self, text: &str) -> Vec<Effect> {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::All)
            .from_reader(text.as_bytes());
        let mut wanted: Vec<String> = Vec::new();
        for record in reader.records().flatten() {
            for field in record
                .iter()
                .filter(|f| f.contains('@') || !f.contains(' '))
            {
                if !field.is_empty() {
                    wanted.push(field.to_lowercase());
                }
            }
        }
        let mut by_address: std::collections::HashMap<String, &str> = Default::default();
        for user in &self.baseline().users {
            by_address.insert(user.user_name.to_lowercase(), user.user_id.as_str());
            for email in &user.emails {
                by_address.insert(email.value.to_lowercase(), user.user_id.as_str());
            }
        }
        let mut rows: Vec<usize> = Vec::new();
        let mut unknown = 0;
        for address in &wanted {
            match by_address
                .get(address.as_str())
                .and_then(|id| self.old_index.get(*id))
            {
                Some(&row) => rows.push(row),
                None => unknown += 1,
            }
        }
        rows.sort_unstable();
        rows.dedup();
        rows.retain(|&r| self.mapping.status(&self.rows[r].id) != Status::NoSuccessor);
        if rows.is_empty() {
            self.message = Some(format!(
                "leavers: nobody new to mark ({unknown} entr{} not old users: a header, or not in the baseline)",
                if unknown == 1 { "y is" } else { "ies are" }
            ));
            return Vec::new();
        }
        let count = rows.len();
        let effects = self.request(
            rows,
            Some(Decision::NoSuccessor),
            Some("leavers_csv".to_owned()),
            None,
            "import",
        );
        let note = format!(
            " ({unknown} entr{} matched no old user)",
            if unknown == 1 { "y" } else { "ies" }
        );
        match &mut self.mode {
            MapMode::Ask(ask) => {
                ask.question = format!("Mark {count} leavers \"no successor\"?{note}");
            }
            _ => {
                if let Some(message) = &mut self.message {
                    message.push_str(&note);
                }
            }
        }
        self.focus = Focus::OldPrincipals;
        effects
    }
}

fn or_id<'a>(name: &'a str, id: &'a PrincipalId) -> &'a str {
    if name.is_empty() {
        id.as_str()
    } else {
        name
    }
}
