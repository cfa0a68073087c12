//! Guards the two files `breakglass assess` reads from users: the maturity model
//! (`assess::model::Model::parse`, a `--model` file) and the answers file
//! (`assess::answers::Answers::parse`). Neither may panic; an accepted model must list every
//! practice by its id, and its answers template must parse back against it; accepted answers
//! must score to a level within the model and render as text and Markdown naming the model.
//!
//! Shared by the cargo-fuzz target `fuzz_targets/assess_input.rs` and the replay of `seeds/` and
//! `regressions/` in the test suite (`tests/e2e/fuzz_replay.rs`).

use breakglass::evidence::assess::answers::{Answers, template};
use breakglass::evidence::assess::evidence::Records;
use breakglass::evidence::assess::model::Model;
use breakglass::evidence::assess::{assess, report};

fn no_records() -> Records {
    Records {
        dir: ".".into(),
        manifests: Vec::new(),
        findings: Vec::new(),
        warnings: Vec::new(),
    }
}

/// The property, run on one input: panics if it does not hold.
pub fn check(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(model) = Model::parse(text) {
        for (_, practice) in model.practices() {
            assert!(
                model.practice(&practice.id).is_some(),
                "practice {} not found by id",
                practice.id
            );
        }
        let answers = Answers::parse(&template(&model), &model)
            .unwrap_or_else(|error| panic!("the template of an accepted model does not parse: {error}"));
        assert_eq!(answers.model_version.as_deref(), Some(model.model.version.as_str()));
        let assessment = assess(&model, &answers, no_records(), 0);
        assert!(assessment.level <= model.levels.len());
    }
    let model = Model::built_in();
    if let Ok(answers) = Answers::parse(text, &model) {
        let assessment = assess(&model, &answers, no_records(), 0);
        assert!(
            (1..=model.levels.len()).contains(&assessment.level),
            "level {}",
            assessment.level
        );
        assert!(report::text(&assessment).contains(&model.model.author));
        assert!(report::markdown(&assessment).contains(&model.model.credit));
    }
}
