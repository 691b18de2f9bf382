"""The writer lock: portable, keyed on the file, released by the OS."""

import subprocess
import sys
import textwrap


def test_evotune_imports_and_stores_runs_where_fcntl_does_not_exist(tmp_path):
    """As on Windows (simulated: the module is made unimportable); msvcrt is not there either, so the run
    goes on unlocked, with a warning that says so."""
    script = textwrap.dedent(f"""
        import sys, warnings
        sys.modules["fcntl"] = None
        import evotune as et
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            et.optimize(lambda p: p["x"], {{"x": et.Float(0, 1)}}, max_evaluations=10,
                        storage={str(tmp_path / "r.db")!r}, run_name="a")
        assert any("no OS file locking" in str(w.message) for w in caught), caught
        run = et.load_run({str(tmp_path / "r.db")!r}, "a")
        assert len(run.trials) == 10 and not et.storage.is_being_written({str(tmp_path / "r.db")!r}, "a")
        print("ok")
    """)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr
