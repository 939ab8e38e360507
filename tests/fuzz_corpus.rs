//! The fuzz corpus replayed on the stable toolchain: every input under `fuzz/corpus/<target>/`
//! — the seeds, what cargo-fuzz kept, and every crash it once found — goes through its target
//! again and must return without panicking. `scripts/fuzz SECONDS` grows the corpus.

mod common;

#[test]
fn every_corpus_input_passes_through_its_target() {
    let root = common::root().join("fuzz/corpus");
    let mut replayed = 0;
    for (name, target) in cutover::fuzz::TARGETS {
        let dir = root.join(name);
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("{}: {e} (every target has a corpus)", dir.display()));
        let mut count = 0;
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            let outcome = std::panic::catch_unwind(|| target(&data));
            assert!(outcome.is_ok(), "{name}: {} panicked", path.display());
            count += 1;
        }
        assert!(count > 0, "{name}: empty corpus");
        replayed += count;
    }
    assert!(replayed >= 40, "{replayed}");
}
