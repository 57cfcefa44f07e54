"""Build every file under data/ from fixed seeds: byte-identical on every run.

    python data/generate.py            (re)write the data files and print a summary
    python data/generate.py --check    regenerate in memory; exit 1 listing files that differ

Everything here is synthetic. The datasets are drawn from small templates (arithmetic and short
word problems with integer answers). The rollouts come from "sim-policy-v1", a simulated
policy: each item has a fixed difficulty profile (chance of reaching the right number, chance
of breaking the answer format), and each sample draws a number (right, or a realistic mistake)
and a way of writing it (clean ``Final: <int>``, or one of the format failures real models
show). The golden sets are hand-written probes of the strict scorer, checked against
``course_core.measurement.scoring.score`` here, at generation time, so they cannot drift from it.
The sums for the local language models (Loop C, ``course.lm_train``) come from :mod:`data.gen.sums`.

Determinism: only stdlib, ``random.Random`` instances seeded with strings (hashed with
SHA-512 by the random module, so PYTHONHASHSEED does not matter), no iteration over sets,
fixed key order, ``\\n`` line endings, UTF-8.
"""
