//! Maturity self-assessment: scores answers and breakglass's own records against a maturity
//! model (by default a paraphrase of the M365 BreakGlass Maturity Model v1.1 by KuShuSec).
//!
//! Level semantics (docs/ASSESS.md): a level is reached when every *required* practice of that
//! level and of every lower level is in place. Traits (statements describing a level's typical
//! weaknesses, such as all of "Unprepared") are never required, so the first level is the floor
//! everybody starts from. Optional practices are asked and reported but never required. A
//! practice is in place when it is answered "yes", or unanswered and proved by the records; an
//! answer of "no" stands even against the records (they may be stale) but is reported as a
//! conflict, so nothing is overridden silently. Unanswered practices count as not in place.

pub mod answers;
pub mod evidence;
pub mod model;
pub mod report;

use serde::Serialize;

use answers::Answers;
use evidence::Records;
use model::{Evidence, Model, ModelInfo, Practice, PracticeKind};

/// Where a practice's status comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// breakglass's records prove it (and no answer says otherwise).
    Proved,
    /// The answers file or the interactive prompt.
    Answered,
    /// Neither: counted as not in place.
    Unanswered,
    /// A trait: describes the level, never asked.
    NotAsked,
}

/// One practice, assessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PracticeResult {
    /// Practice id.
    pub id: String,
    /// The practice.
    pub text: String,
    /// How it counts.
    pub kind: PracticeKind,
    /// In place? `None` for traits.
    pub in_place: Option<bool>,
    /// Where that comes from.
    pub source: Source,
    /// The answer given, if any.
    pub answer: Option<bool>,
    /// Evidence breakglass looks for, if any.
    pub evidence: Option<Evidence>,
    /// True if the records prove that evidence.
    pub proved: bool,
    /// What the records show about it.
    pub evidence_detail: Option<String>,
    /// An answer that contradicts the records.
    pub conflict: Option<String>,
    /// The note from the answers file.
    pub note: Option<String>,
    /// How breakglass helps.
    pub helps: Option<String>,
}

/// One level, assessed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LevelResult {
    /// 1-based position in the model.
    pub number: usize,
    /// Level id.
    pub id: String,
    /// Level name.
    pub name: String,
    /// What it means.
    pub summary: String,
    /// Reached: its required practices, and those of every lower level, are in place.
    pub reached: bool,
    /// How many practices it requires.
    pub required: usize,
    /// How many of those are in place.
    pub required_in_place: usize,
    /// Its practices.
    pub practices: Vec<PracticeResult>,
}

/// The next level and what stands between it and the level reached.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NextLevel {
    /// 1-based position.
    pub number: usize,
    /// Level id.
    pub id: String,
    /// Level name.
    pub name: String,
    /// Ids of its required practices not in place.
    pub missing: Vec<String>,
    /// Of those, the ones breakglass helps with.
    pub breakglass_helps: Vec<String>,
}

/// Value of the `format` field of the JSON form.
pub const FORMAT: &str = "breakglass-assessment";
/// Version of the JSON form (docs/ASSESS.md).
pub const VERSION: u32 = 1;

/// A whole assessment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Assessment {
    /// Always [`FORMAT`].
    pub format: &'static str,
    /// Always [`VERSION`].
    pub version: u32,
    /// Version of breakglass that assessed.
    pub tool_version: &'static str,
    /// The model, credited.
    pub model: ModelInfo,
    /// When (RFC 3339 UTC).
    pub assessed_at: String,
    /// Number of levels in the model.
    pub levels_total: usize,
    /// 1-based number of the level reached.
    pub level: usize,
    /// Its name.
    pub level_name: String,
    /// The next level, unless the top is reached.
    pub next: Option<NextLevel>,
    /// Every level.
    pub levels: Vec<LevelResult>,
    /// Ids of asked practices with neither an answer nor proof.
    pub unanswered: Vec<String>,
    /// Answers that contradict the records, one line each.
    pub conflicts: Vec<String>,
    /// What the records show.
    pub records: Records,
}

impl Assessment {
    /// The practice with this id.
    pub fn practice(&self, id: &str) -> Option<&PracticeResult> {
        self.levels
            .iter()
            .flat_map(|level| &level.practices)
            .find(|practice| practice.id == id)
    }
}

/// Asked practices that have neither an answer nor proof: what to ask at a terminal.
pub fn pending<'a>(model: &'a Model, answers: &Answers, records: &Records) -> Vec<&'a Practice> {
    model
        .practices()
        .map(|(_, practice)| practice)
        .filter(|practice| practice.asked() && !answers.answers.contains_key(&practice.id))
        .filter(|practice| !practice.evidence.is_some_and(|evidence| records.proves(evidence)))
        .collect()
}

fn assess_practice(practice: &Practice, answers: &Answers, records: &Records) -> PracticeResult {
    let answer = answers.answers.get(&practice.id).copied();
    let finding = practice.evidence.and_then(|evidence| records.finding(evidence));
    let proved = finding.is_some_and(|finding| finding.proved);
    let (in_place, source) = match (practice.kind, answer, proved) {
        (PracticeKind::Trait, _, _) => (None, Source::NotAsked),
        (_, Some(false), _) => (Some(false), Source::Answered),
        (_, _, true) => (Some(true), Source::Proved),
        (_, Some(true), false) => (Some(true), Source::Answered),
        (_, None, false) => (Some(false), Source::Unanswered),
    };
    let conflict = (answer == Some(false) && proved).then(|| {
        format!(
            "{}: answered \"no\", but breakglass records show {}; the answer counts",
            practice.id,
            finding.map(|finding| finding.detail.as_str()).unwrap_or_default()
        )
    });
    PracticeResult {
        id: practice.id.clone(),
        text: practice.text.clone(),
        kind: practice.kind,
        in_place,
        source,
        answer,
        evidence: practice.evidence,
        proved,
        evidence_detail: finding.map(|finding| finding.detail.clone()),
        conflict,
        note: answers.notes.get(&practice.id).cloned(),
        helps: practice.helps.clone(),
    }
}

/// Scores `answers` and `records` against `model` at Unix time `now`.
pub fn assess(model: &Model, answers: &Answers, records: Records, now: i64) -> Assessment {
    let mut levels = Vec::new();
    let mut all_below = true;
    for (index, level) in model.levels.iter().enumerate() {
        let practices: Vec<PracticeResult> = level
            .practices
            .iter()
            .map(|practice| assess_practice(practice, answers, &records))
            .collect();
        let required: Vec<&PracticeResult> = practices
            .iter()
            .filter(|practice| practice.kind == PracticeKind::Practice)
            .collect();
        let required_in_place = required
            .iter()
            .filter(|practice| practice.in_place == Some(true))
            .count();
        all_below = all_below && required_in_place == required.len();
        levels.push(LevelResult {
            number: index + 1,
            id: level.id.clone(),
            name: level.name.clone(),
            summary: level.summary.clone(),
            reached: all_below,
            required: required.len(),
            required_in_place,
            practices,
        });
    }
    // The first level cannot fail when it requires nothing; if a model's first level does
    // require something and it is missing, level 0 ("none") is reported.
    let level = levels.iter().take_while(|level| level.reached).count();
    let next = levels.get(level).map(|next| {
        let missing: Vec<&PracticeResult> = next
            .practices
            .iter()
            .filter(|practice| practice.kind == PracticeKind::Practice && practice.in_place != Some(true))
            .collect();
        NextLevel {
            number: next.number,
            id: next.id.clone(),
            name: next.name.clone(),
            missing: missing.iter().map(|practice| practice.id.clone()).collect(),
            breakglass_helps: missing
                .iter()
                .filter(|practice| practice.helps.is_some())
                .map(|practice| practice.id.clone())
                .collect(),
        }
    });
    let all = || levels.iter().flat_map(|level| &level.practices);
    let unanswered = all()
        .filter(|practice| practice.source == Source::Unanswered)
        .map(|practice| practice.id.clone())
        .collect();
    let conflicts = all().filter_map(|practice| practice.conflict.clone()).collect();
    Assessment {
        format: FORMAT,
        version: VERSION,
        tool_version: env!("CARGO_PKG_VERSION"),
        model: model.model.clone(),
        assessed_at: crate::platform::clock::rfc3339(now),
        levels_total: model.levels.len(),
        level,
        level_name: level
            .checked_sub(1)
            .map(|index| model.levels[index].name.clone())
            .unwrap_or_else(|| "none".to_owned()),
        next,
        levels,
        unanswered,
        conflicts,
        records,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::evidence::assess::evidence::Finding;

    fn records(proved: &[Evidence]) -> Records {
        Records {
            dir: ".".into(),
            manifests: Vec::new(),
            findings: Evidence::ALL
                .iter()
                .map(|&evidence| Finding {
                    evidence,
                    proved: proved.contains(&evidence),
                    detail: format!("test {}", evidence.key()),
                })
                .collect(),
            warnings: Vec::new(),
        }
    }

    fn yes_to(model: &Model, levels: usize) -> Answers {
        let mut answers = Answers::default();
        for (index, practice) in model.practices() {
            if index < levels && practice.asked() {
                answers.answers.insert(practice.id.clone(), true);
            }
        }
        answers
    }

    #[test]
    fn nobody_is_below_the_floor_and_everything_reaches_the_top() {
        let model = Model::built_in();
        let nothing = assess(&model, &Answers::default(), records(&[]), 0);
        assert_eq!((nothing.level, nothing.level_name.as_str()), (1, "Unprepared"));
        let next = nothing.next.as_ref().unwrap();
        assert_eq!(next.name, "Reactive");
        assert_eq!(
            next.missing,
            vec!["reactive-account-exists", "reactive-offline-credentials"]
        );
        assert_eq!(next.breakglass_helps, next.missing);
        assert_eq!(
            nothing.unanswered.len(),
            model.practices().filter(|(_, practice)| practice.asked()).count()
        );
        let everything = assess(&model, &yes_to(&model, 7), records(&[]), 0);
        assert_eq!(everything.level, 7);
        assert!(everything.next.is_none() && everything.unanswered.is_empty());
    }

    #[test]
    fn a_gap_caps_the_level_even_when_higher_practices_are_in_place() {
        let model = Model::built_in();
        let mut answers = yes_to(&model, 7);
        answers.answers.insert("baseline-some-pim".into(), false);
        let result = assess(&model, &answers, records(&[]), 0);
        assert_eq!(result.level, 2);
        assert_eq!(result.next.unwrap().missing, vec!["baseline-some-pim"]);
        assert!(result.levels[4].required_in_place == result.levels[4].required && !result.levels[4].reached);
        // Optional practices never hold a level back.
        let mut answers = yes_to(&model, 7);
        answers.answers.remove("isolated-alternate-idp");
        assert_eq!(assess(&model, &answers, records(&[]), 0).level, 7);
    }

    #[test]
    fn records_fill_in_unanswered_practices_and_conflicts_are_reported() {
        let model = Model::built_in();
        let mut answers = Answers::default();
        answers.answers.insert("reactive-account-exists".into(), true);
        let proved = assess(&model, &answers, records(&[Evidence::OfflineBackup]), 0);
        assert_eq!(proved.level, 2);
        let practice = proved.practice("reactive-offline-credentials").unwrap();
        assert_eq!((practice.source, practice.in_place), (Source::Proved, Some(true)));
        assert!(
            pending(&model, &answers, &proved.records)
                .iter()
                .all(|p| p.evidence != Some(Evidence::OfflineBackup))
        );

        answers.answers.insert("reactive-offline-credentials".into(), false);
        let conflict = assess(&model, &answers, records(&[Evidence::OfflineBackup]), 0);
        assert_eq!(conflict.level, 1);
        assert_eq!(conflict.conflicts.len(), 1);
        assert!(
            conflict.conflicts[0].contains("test offline-backup"),
            "{:?}",
            conflict.conflicts
        );
        let practice = conflict.practice("reactive-offline-credentials").unwrap();
        assert_eq!((practice.source, practice.in_place), (Source::Answered, Some(false)));
    }
}
