"""The Porter stemmer's loader under threads: an eval killed and restarted runs two preloads."""

from __future__ import annotations

import subprocess
import sys

# In a fresh interpreter: other tests import the real nltk (rouge-score), which takes the
# loader's other path. Each load imports the module afresh (it leaves sys.modules after), so
# every round races.
RACE = """
import sys, threading
from tuiftune.evaluation import rouge_metric

for _ in range(30):
    barrier = threading.Barrier(2)
    got, errors = [], []

    def load():
        barrier.wait(timeout=10)
        try:
            got.append(rouge_metric._porter_module().PorterStemmer)
        except BaseException as exc:
            errors.append(repr(exc))

    threads = [threading.Thread(target=load) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == [] and len(got) == 2, errors
assert "nltk.stem.porter" not in sys.modules and "nltk" not in sys.modules
print("ok")
"""


def test_loads_racing_in_two_threads_each_get_the_whole_stemmer() -> None:
    # Before the check moved under the lock, the second thread took the first one's half-run
    # module and failed on PorterStemmer ("partially initialized module").
    done = subprocess.run([sys.executable, "-c", RACE], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]
