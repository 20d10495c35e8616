"""Coverage-guided fuzz targets (atheris, i.e. libFuzzer) for the hand-written parsers (issue 10).

The same contract as the hypothesis tests (tests/test_fuzz_*.py): bad input ends in the parser's own,
typed answer (RowProblem / SheetProblem, a checksum's message, one of the roster reader's ValueError messages,
TokenError with a known reason, BundleError). Any other exception, or a broken invariant, is a crash:
libFuzzer stops and writes the input to `<artifact_prefix>crash-<sha1>`.

    python tests/fuzz/atheris_targets.py --list
    python tests/fuzz/atheris_targets.py TARGET CORPUS_DIR [libFuzzer flags]   # fuzz (seeds CORPUS_DIR)
    python tests/fuzz/atheris_targets.py TARGET path/to/crash-...               # replay one input

e.g. `python tests/fuzz/atheris_targets.py jws /tmp/jws -max_total_time=600`. tests/test_atheris.py
runs every target for a bounded time. The seed corpus is built here, in code, and written into
CORPUS_DIR (a directory) before fuzzing starts, with a libFuzzer dictionary beside it.
Each input is bytes in a small per-target encoding (see the `_decode_*` helpers), chosen so that
the seeds are easy to write and mutations stay meaningful. The targets live beside this file, one
module per kind of input: sheet_targets.py, roster_targets.py, crypto_targets.py.
"""

from __future__ import annotations

import hashlib
import sys
from pathlib import Path

import atheris

sys.path.insert(1, str(Path(__file__).resolve().parents[2]))  # the repository: tests.class_helpers

with atheris.instrument_imports(include=["examsvc"]):  # examsvc is imported first by the targets
    import crypto_targets
    import roster_targets
    import sheet_targets

TARGETS = {**sheet_targets.TARGETS, **roster_targets.TARGETS, **crypto_targets.TARGETS}


def _dict_entry(token: str) -> str:
    return (
        '"'
        + "".join(f"\\x{b:02x}" if b < 0x20 or b > 0x7E or b in b'"\\' else chr(b) for b in token.encode())
        + '"'
    )


def write_seeds(name: str, corpus: Path) -> Path:
    """The target's seeds into the corpus directory, and its dictionary beside it (returned)."""
    corpus.mkdir(parents=True, exist_ok=True)
    for seed in TARGETS[name].seeds():
        (corpus / f"seed-{hashlib.sha1(seed).hexdigest()}").write_bytes(seed)  # noqa: S324 - a file name
    dictionary = corpus.with_name(corpus.name + ".dict")
    dictionary.write_text("".join(_dict_entry(t) + "\n" for t in TARGETS[name].tokens), encoding="ascii")
    return dictionary


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        print(f"usage: {argv[0]} {{{','.join(TARGETS)}}} CORPUS_DIR|INPUT_FILE [libFuzzer flags]")
        print("targets:", " ".join(TARGETS))
        sys.exit(0 if len(argv) > 1 and argv[1] == "--list" else 2)
    name, rest = argv[1], argv[2:]
    flags = [a for a in rest if a.startswith("-")]
    paths = [a for a in rest if not a.startswith("-")]
    if paths and not Path(paths[0]).is_file():  # a corpus directory: fuzz, starting from the seeds
        dictionary = write_seeds(name, Path(paths[0]))
        if TARGETS[name].tokens and not any(f.startswith("-dict=") for f in flags):
            flags.append(f"-dict={dictionary}")
    atheris.Setup([argv[0], *flags, *paths], TARGETS[name].run)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)
