import re
import os
import shutil
import subprocess
import tempfile

import pytest

import evotune as et
from evotune.report import write_report

from .mixed_problem import SPACE, objective

PROBE = """<script>
window.__errors = [];
window.addEventListener("error", e => window.__errors.push(String(e.message || (e.target && e.target.src))), true);
const originalError = console.error;
console.error = (...args) => { window.__errors.push(args.join(" ")); originalError(...args); };
window.addEventListener("load", () => {
  const images = [...document.images];
  const loaded = images.filter(i => i.complete && i.naturalWidth > 0).length;
  document.body.setAttribute("data-probe", `images ${loaded}/${images.length} errors ${window.__errors.length}`);
});
</script>"""


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report")
    result = et.optimize(objective, SPACE, max_evaluations=80, seed=0)
    return write_report(result, out, title="mixed problem"), result


def test_the_report_is_one_self_contained_page_with_the_files_beside_it(report):
    page, result = report
    html = open(page, encoding="utf-8").read()
    shown = set(et.plotting.FIGURES) - {"parts", "pareto", "hypervolume"}  # nothing raced; one objective
    assert "<h1>mixed problem</h1>" in html and html.count('src="data:image/png;base64,') == len(shown)
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched: images, styles and scripts inline
    assert "Hall of fame" in html and "Best parameters" in html and "complete evaluations" in html
    folder = os.path.dirname(page)
    assert {"evolution.png", "evolution.svg", "workers.svg", "hall_of_fame.csv", "trials.csv"} <= set(os.listdir(folder))
    assert f"{result.best_value:.6g}" in html


@pytest.mark.skipif(
    shutil.which("chromium") is None and not os.environ.get("CI"),  # in CI a missing browser is a failure
    reason="Debian's chromium is not installed (.ci/run installs it)",
)
def test_the_report_loads_in_a_real_browser_with_its_images_and_no_errors(report):
    page, _ = report
    probe = os.path.join(os.path.dirname(page), "probe.html")
    with open(page, encoding="utf-8") as f:
        html = f.read().replace("<head>", "<head>" + PROBE, 1)
    with open(probe, "w", encoding="utf-8") as f:
        f.write(html)
    dom = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         f"--user-data-dir={tempfile.mkdtemp()}", "--virtual-time-budget=10000", "--dump-dom", f"file://{probe}"],
        capture_output=True, text=True, timeout=120,
    ).stdout
    n = len(et.plotting.FIGURES) - 3  # no racing, one objective: no "parts", "pareto" or "hypervolume" figure
    assert f'data-probe="images {n}/{n} errors 0"' in dom


def test_the_report_says_what_was_tuned_in_which_sessions_and_environment(tmp_path):
    from sklearn.datasets import load_iris
    from sklearn.tree import DecisionTreeClassifier

    search = et.EvolutionarySearchCV(DecisionTreeClassifier(random_state=0), {"max_depth": et.Integer(1, 30)}, cv=3,
                                     max_evaluations=8, storage=tmp_path / "s.db", random_state=0, scoring="accuracy")
    search.fit(*load_iris(return_X_y=True))
    search.set_params(max_evaluations=12, resume=True).fit(*load_iris(return_X_y=True))
    html = open(write_report(tmp_path / "s.db", tmp_path / "out"), encoding="utf-8").read()
    assert "<h2>What was tuned</h2>" in html and "DecisionTreeClassifier(random_state=0)" in html
    assert "X 150×4, y 150" in html and "3 folds" in html and "&#x27;accuracy&#x27;" in html
    assert "<h2>Sessions</h2>" in html and "<th>session 1</th>" in html and "wall time" in html
    rows = re.findall(r"<tr><td class=\"num\">(\d)</td><td>[\d: -]+</td><td>[^<]+</td><td class=\"num\">(\d+)</td>", html)
    assert rows == [("0", "8"), ("1", "4")]
    assert "<h2>Environment</h2>" in html and "scikit-learn" in html and "cores" in html


def test_the_report_of_a_raced_run_says_what_racing_stopped(tmp_path):
    from tests.evaluation.test_parts import Binned

    result = et.optimize(Binned(), {"x": et.Float(0, 1)}, max_evaluations=30, population_size=6, racing=True, seed=1)
    html = open(write_report(result, tmp_path / "out"), encoding="utf-8").read()
    pruned = sum(t.state == "pruned" for t in result.trials)
    assert re.search(rf"<td>early stops</td><td>{pruned} stopped early \((worse|repeats) \d+, (worse|repeats) \d+\); "
                     r"\d+ of 150 parts run", html)


def test_a_report_of_several_objectives_shows_the_front_as_a_table_and_a_figure(tmp_path):
    result = et.optimize(lambda p: (p["x"], (1 - p["x"]) ** 2 + p["y"]), {"x": et.Float(0, 1), "y": et.Float(0, 1)},
                         directions=["minimize", "minimize"], constraints=lambda p, v, i: 0.1 - p["x"],
                         max_evaluations=40, seed=0)
    html = open(write_report(result, tmp_path), encoding="utf-8").read()
    assert "<h2>Pareto front</h2>" in html and "<th>objective 1</th>" in html and "<th>violation</th>" in html
    assert 'alt="pareto"' in html and 'alt="hypervolume"' in html and 'alt="evolution"' not in html
    assert "knee of the front" in html and "directions</td><td>minimize, minimize" in html
    assert html.count("<tr><td class=\"num\">") >= len(result.pareto_front)
