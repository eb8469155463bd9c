"""Time `recognize()` on every corpus document and on a synthetic 20-page plan.

Usage: python bench/recognition.py [CORPUS_DIR] [--runs N]
(CORPUS_DIR defaults to ../shared/corpus next to the repository). Prints median/min/max
milliseconds per document with its size in pages (1 page ≈ 3,000 characters), then the
same for a 20-page plan built by concatenating corpus bodies. The target of the
recognition issue: a 20-page plan in under a second. Exit status 1 when it is missed.
No Django, no database.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from documents.recognition import recognize
from documents.recognition.corpus import load_corpus, read_document

CHARS_PER_PAGE = 3000
TARGET_SECONDS_FOR_20_PAGES = 1.0


def _time(text: str, runs: int) -> list[float]:
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        recognize(text)
        timings.append((time.perf_counter() - start) * 1000)
    return timings


def _line(name: str, text: str, timings: list[float]) -> str:
    pages = len(text) / CHARS_PER_PAGE
    return f"{name[:48]:48} {pages:6.1f} {statistics.median(timings):9.1f} {min(timings):8.1f} {max(timings):8.1f}"


def synthetic_plan(texts: list[str], pages: int = 20) -> str:
    """A plan of about `pages` pages: the seed's header and title, then corpus bodies repeated."""
    seed = next((t for t in texts if "KẾ HOẠCH" in t), texts[0])
    body = "\n".join(texts)
    out = [seed]
    while sum(len(part) for part in out) < pages * CHARS_PER_PAGE:
        out.append(body)
    return "\n".join(out)[: pages * CHARS_PER_PAGE]


def main(argv: list[str]) -> int:
    """Run the benchmark; returns the exit status (1 when the 20-page target is missed)."""
    runs = 5
    args = list(argv)
    if "--runs" in args:
        k = args.index("--runs")
        runs = int(args[k + 1])
        del args[k : k + 2]
    directory = Path(args[0]) if args else Path(__file__).resolve().parents[2] / "shared" / "corpus"
    documents = load_corpus(directory)
    if not documents:
        print(f"bench/recognition.py: no annotated documents in {directory}")
        return 1
    print(f"recognize(): {runs} runs per document, corpus {directory}")
    print(f"{'document':48} {'pages':>6} {'median ms':>9} {'min ms':>8} {'max ms':>8}")
    texts = []
    worst = 0.0
    for document in documents:
        text = read_document(document)
        texts.append(text)
        timings = _time(text, runs)
        worst = max(worst, statistics.median(timings) / max(len(text) / CHARS_PER_PAGE, 0.1))
        print(_line(document.name, text, timings))
    plan = synthetic_plan(texts)
    timings = _time(plan, runs)
    print(_line("synthetic 20-page plan (corpus bodies)", plan, timings))
    seconds = statistics.median(timings) / 1000
    verdict = "OK" if seconds < TARGET_SECONDS_FOR_20_PAGES else "TOO SLOW"
    print(f"20-page plan: median {seconds:.3f} s (target < {TARGET_SECONDS_FOR_20_PAGES:.0f} s): {verdict}")
    print(f"worst corpus document: {worst:.1f} ms per page")
    return 0 if seconds < TARGET_SECONDS_FOR_20_PAGES else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
